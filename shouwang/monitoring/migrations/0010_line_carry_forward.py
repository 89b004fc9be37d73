from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0009_warning_fewer_checks"),
    ]

    operations = [
        migrations.AddField(
            model_name="monitoringline",
            name="carried_forward",
            field=models.BooleanField(default=False, verbose_name="carried forward from the previous year"),
        ),
        migrations.AddField(
            model_name="monitoringline",
            name="carried_from_year",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="carried forward from year"),
        ),
    ]
