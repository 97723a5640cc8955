import datetime

from django.db import migrations, models

import lessons.fields

# Rows loaded before these fields existed were written and checked against their sources on this day.
FIRST_EDITION = datetime.date(2026, 11, 22)


def checked_on():
    return models.DateField(
        db_index=True,
        default=FIRST_EDITION,
        help_text="The day its sources were last checked against AWS's pages.",
    )


def exam_tasks():
    return lessons.fields.ExamTasksField(
        default=list, help_text="CLF-C02 task statements, one per line: 2.1, 2.2, 2.3, 2.4."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0003_content_version"),
    ]

    operations = [
        migrations.AddField("duty", "checked_on", checked_on(), preserve_default=False),
        migrations.AddField("duty", "exam_tasks", exam_tasks()),
        migrations.AddField("matrixcell", "checked_on", checked_on(), preserve_default=False),
        migrations.AddField("misconception", "checked_on", checked_on(), preserve_default=False),
        migrations.AddField("misconception", "exam_tasks", exam_tasks()),
    ]
