from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("supervision", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="dataqualityfinding",
            name="national_code",
            field=models.CharField(blank=True, max_length=100, verbose_name="national rule code"),
        ),
        # The cases' consistency checks are stored as CASE_<check code>, longer than 40 characters.
        migrations.AlterField(
            model_name="dataqualityfinding",
            name="rule",
            field=models.CharField(db_index=True, max_length=80, verbose_name="rule"),
        ),
    ]
