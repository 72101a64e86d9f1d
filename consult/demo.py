def run_demo(context) -> None:
    pass
