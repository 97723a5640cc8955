from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

app_name = "learners"
urlpatterns = [
    path("", views.account, name="account"),
    path("data.json", views.account_data, name="account_data"),
    path("delete/", views.account_delete, name="account_delete"),
    path("login/", views.login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    # Password recovery: Django's own views; the mail goes through MAILERS (see settings).
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("learners:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
