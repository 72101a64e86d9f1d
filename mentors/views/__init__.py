"""Pages of the mentor system, by area.

- ``classes``: a class's mentoring, kept by its homeroom teacher (and grade head, and the
  principal's office): the overview, the students' choices and their 志愿 sheet, hand
  assignment, capacities, the weekly exchange, the questionnaire answers;
- ``selection``: the two-way selection: a mentor's applicants, the grades' progress, the
  matching and the pairings' download;
- ``pairings``: a mentor's mentees and a mentee's file (plan, talks, parent contacts, growth
  record, monthly summaries), ending and reassigning pairings;
- ``compliance`` and ``evaluation``: the grade pages of the term, self-evaluation and
  colleagues' ratings.

Every view has the same shape (``schoolops.pages``): the access decorators of
``mentors.access`` (login, 404 outside the person's scope, 403 without the right), then the
year or term it needs, then the selectors it reads, then ``form_page`` for a form. Office
staff (办公室) see none of it.
"""
