from django.contrib import admin
from django.urls import include, path

from learners import views as learner_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("learners.urls")),
    path("privacy/", learner_views.privacy, name="privacy"),
    path("", include("lessons.urls")),
    path("quizzes/", include("quizzes.urls")),
    path("report/", include("reports.urls")),
    path("", include("quizzes.prep_urls")),
    path("", include("classroom.urls")),
    path("admin/", admin.site.urls),
]
