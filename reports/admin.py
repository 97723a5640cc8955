from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from lessons.models import Duty, MatrixCell, Misconception
from quizzes.models import Origin, Question

from .items import find_item
from .models import Report, Status

STALE_PER_KIND = 25


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The review queue: open reports first by default (filter by status); staff accept or reject with a note."""

    list_display = ["created_at", "status", "about", "short_message", "content_changed"]
    list_filter = ["status", "created_at"]
    search_fields = ["about", "about_text", "message", "staff_note"]
    readonly_fields = [
        "about",
        "about_text",
        "message",
        "aws_link",
        "created_at",
        "reviewed_at",
        "content_changed",
    ]
    fields = [*readonly_fields, "status", "staff_note"]
    actions = ["mark_accepted", "mark_rejected"]
    change_list_template = "admin/reports/report/change_list.html"

    def has_add_permission(self, request):
        return False  # reports come from learners, through the site's form

    @admin.display(description="message")
    def short_message(self, report: Report) -> str:
        return report.message if len(report.message) <= 80 else report.message[:79] + "…"

    @admin.display(description="content files record a change", boolean=True)
    def content_changed(self, report: Report) -> bool:
        item = find_item(report.about)
        return bool(item and report.pk in item.changed_after_reports)

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            obj.reviewed_at = None if obj.status == Status.OPEN else timezone.now()
        super().save_model(request, obj, form, change)

    def _review(self, request, queryset, status: str) -> None:
        count = queryset.update(status=status, reviewed_at=timezone.now())
        self.message_user(request, f"{count} report(s) marked {Status(status).label.lower()}.")

    @admin.action(description="Mark selected reports accepted", permissions=["change"])
    def mark_accepted(self, request, queryset):
        self._review(request, queryset, Status.ACCEPTED)

    @admin.action(description="Mark selected reports rejected", permissions=["change"])
    def mark_rejected(self, request, queryset):
        self._review(request, queryset, Status.REJECTED)

    def get_urls(self):
        stale = path("stale/", self.admin_site.admin_view(self.stale_view), name="reports_report_stale")
        return [stale, *super().get_urls()]

    def stale_view(self, request):
        """Content whose sources were checked longest ago, oldest first, per kind."""
        if not all(
            request.user.has_perm(f"lessons.view_{m}") for m in ("duty", "matrixcell", "misconception")
        ):
            raise PermissionDenied
        kinds = [
            (
                "Duty statements",
                [
                    (d.checked_on, d.statement, reverse("admin:lessons_duty_change", args=[d.pk]))
                    for d in Duty.objects.order_by("checked_on", "slug")[:STALE_PER_KIND]
                ],
            ),
            (
                "Matrix cells (edited with their service)",
                [
                    (
                        c.checked_on,
                        f"{c.service.name}, {c.layer.name}: {c.owner}",
                        reverse("admin:lessons_service_change", args=[c.service_id]),
                    )
                    for c in MatrixCell.objects.select_related("service", "layer").order_by(
                        "checked_on", "service__slug", "layer__order"
                    )[:STALE_PER_KIND]
                ],
            ),
            (
                "Misconceptions",
                [
                    (m.checked_on, m.myth, reverse("admin:lessons_misconception_change", args=[m.pk]))
                    for m in Misconception.objects.order_by("checked_on", "slug")[:STALE_PER_KIND]
                ],
            ),
            (
                "Authored questions",
                [
                    (q.checked_on, q.prompt, reverse("admin:quizzes_question_change", args=[q.pk]))
                    for q in Question.objects.live()
                    .filter(origin=Origin.AUTHORED)
                    .order_by("checked_on", "slug")[:STALE_PER_KIND]
                ],
            ),
        ]
        context = {**self.admin_site.each_context(request), "title": "Checked longest ago", "kinds": kinds}
        return TemplateResponse(request, "admin/reports/stale.html", context)
