"""Exam preparation: the Review page, exam simulations and the progress dashboard (issue 11)."""

from django.urls import path

from . import prep_views as views

app_name = "prep"
urlpatterns = [
    path("review/", views.review_page, name="review_page"),
    path("review/start/", views.review_start, name="review_start"),
    path("review/settings/", views.review_settings, name="review_settings"),
]
