from django.db import migrations, models

from actionplan.measures import Direction, Target, band, parse_quarter_targets


def band_every_value(apps, schema_editor):
    """Band each value kept so far against its measure's target for its quarter, as
    Measure.target_for and MeasureValue.rag do (a migration's models lack their methods)."""
    MeasureValue = apps.get_model("actionplan", "MeasureValue")
    values = list(MeasureValue.objects.select_related("measure").exclude(value=None))
    for value in values:
        measure = value.measure
        if not measure.unit or measure.target_value is None:
            continue
        targets = parse_quarter_targets(measure.quarter_targets, measure.unit)
        target = Target(
            value=targets.get(value.quarter, measure.target_value),
            direction=measure.direction,
            upper=measure.target_upper if measure.direction == Direction.RANGE else None,
            tolerance_percent=measure.tolerance_percent,
            unit=measure.unit,
        )
        value.against_target = band(value.value, target) or ""
    MeasureValue.objects.bulk_update(values, ["against_target"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("actionplan", "0012_owner_change_email"),
    ]

    operations = [
        migrations.AddField(
            model_name="measurevalue",
            name="against_target",
            field=models.CharField(
                blank=True,
                choices=[("blue", "Blue"), ("green", "Green"), ("amber", "Amber"), ("red", "Red")],
                editable=False,
                max_length=10,
                verbose_name="against target",
            ),
        ),
        migrations.RunPython(band_every_value, migrations.RunPython.noop),
    ]
