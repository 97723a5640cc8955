from django.urls import path

from . import views

app_name = "classroom"
urlpatterns = [
    path("join/", views.join, name="join"),
    path("join/rejoin/", views.rejoin, name="rejoin"),
    path("classroom/", views.session_list, name="session_list"),
    path("classroom/new/", views.session_create, name="session_create"),
    path("classroom/<uuid:session_id>/host/", views.session_host, name="session_host"),
    path("classroom/<uuid:session_id>/host/actions/", views.session_action, name="session_action"),
    path(
        "classroom/<uuid:session_id>/host/seats/<int:seat_id>/remove/", views.seat_remove, name="seat_remove"
    ),
    path("classroom/<uuid:session_id>/report/", views.session_report, name="session_report"),
    path(
        "classroom/<uuid:session_id>/report/responses.csv",
        views.report_responses_csv,
        name="report_responses_csv",
    ),
    path(
        "classroom/<uuid:session_id>/report/questions.csv",
        views.report_questions_csv,
        name="report_questions_csv",
    ),
    path("classroom/<uuid:session_id>/homework/", views.homework, name="homework"),
    path("classroom/<uuid:session_id>/play/", views.play, name="play"),
    path("classroom/<uuid:session_id>/play/answer/", views.play_answer, name="play_answer"),
]
