from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "learners"
urlpatterns = [
    path("", views.account, name="account"),
    path("data.json", views.account_data, name="account_data"),
    path("delete/", views.account_delete, name="account_delete"),
    path("login/", views.login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
]
