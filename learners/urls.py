from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "learners"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
]
