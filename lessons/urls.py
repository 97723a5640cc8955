from django.urls import path

from . import views

app_name = "lessons"
urlpatterns = [
    path("api/matrix.json", views.matrix_json, name="matrix_json"),
]
