from django.urls import path

from . import views

app_name = "lessons"
urlpatterns = [
    path("api/matrix.json", views.matrix_json, name="matrix_json"),
    path("lessons/", views.lesson_list, name="lesson_list"),
    path("lessons/<slug:slug>/", views.lesson_detail, name="lesson_detail"),
    path("lessons/<slug:slug>/done/", views.lesson_complete, name="lesson_complete"),
    path("matrix/", views.category_matrix, name="category_matrix"),
    path("matrix/present/", views.category_matrix, {"present": True}, name="category_matrix_present"),
    path("services/", views.service_list, name="service_list"),
    path("services/<slug:slug>/", views.service_detail, name="service_detail"),
    path("services/<slug:slug>/present/", views.service_detail, {"present": True}, name="service_present"),
    path("compare/", views.compare, name="compare"),
    path("duties/", views.duty_list, name="duty_list"),
    path("misconceptions/", views.misconception_list, name="misconception_list"),
    path("search/", views.site_search, name="site_search"),
    path("glossary/", views.glossary_page, name="glossary"),
]
