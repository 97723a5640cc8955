from django.contrib import admin

from .forms import ThrottledAdminAuthenticationForm
from .models import Learner

# The admin's log-in counts guesses with the same limits as the site's (learners/throttle.py).
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(Learner)
class LearnerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    readonly_fields = ["created_at"]
