from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_new, name="report_new"),
    path("thanks/", views.report_thanks, name="report_thanks"),
]
