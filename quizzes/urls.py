from django.urls import path

from . import views

app_name = "quizzes"
urlpatterns = [
    path("", views.quiz_setup, name="quiz_setup"),
    path("start/", views.quiz_start, name="quiz_start"),
    path("history/", views.attempt_list, name="attempt_list"),
    path("attempts/<uuid:attempt_id>/", views.attempt_detail, name="attempt_detail"),
    path("attempts/<uuid:attempt_id>/results/", views.attempt_results, name="attempt_results"),
    path("attempts/<uuid:attempt_id>/retry/", views.attempt_retry, name="attempt_retry"),
    path("attempts/<uuid:attempt_id>/<int:position>/", views.attempt_question, name="attempt_question"),
    path("attempts/<uuid:attempt_id>/<int:position>/answer/", views.attempt_answer, name="attempt_answer"),
]
