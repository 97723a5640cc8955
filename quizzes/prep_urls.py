"""Exam preparation: the Review page, exam simulations and the progress dashboard (issue 11)."""

from django.urls import path

from . import prep_views as views

app_name = "prep"
urlpatterns = [
    path("review/", views.review_page, name="review_page"),
    path("review/start/", views.review_start, name="review_start"),
    path("review/settings/", views.review_settings, name="review_settings"),
    path("progress/", views.progress_page, name="progress_page"),
    path("exam/", views.exam_setup, name="exam_setup"),
    path("exam/start/", views.exam_start, name="exam_start"),
    path("exam/<uuid:attempt_id>/", views.exam_detail, name="exam_detail"),
    path("exam/<uuid:attempt_id>/review/", views.exam_review, name="exam_review"),
    path("exam/<uuid:attempt_id>/submit/", views.exam_submit, name="exam_submit"),
    path("exam/<uuid:attempt_id>/results/", views.exam_results, name="exam_results"),
    path("exam/<uuid:attempt_id>/<int:position>/", views.exam_question, name="exam_question"),
    path("exam/<uuid:attempt_id>/<int:position>/answer/", views.exam_answer, name="exam_answer"),
    path("exam/<uuid:attempt_id>/<int:position>/flag/", views.exam_flag, name="exam_flag"),
]
