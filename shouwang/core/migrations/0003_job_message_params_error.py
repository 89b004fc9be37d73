from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_access_log_export_unmasked"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="message_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="message parameters"),
        ),
        migrations.AddField(
            model_name="job",
            name="error",
            field=models.TextField(blank=True, verbose_name="error"),
        ),
    ]
