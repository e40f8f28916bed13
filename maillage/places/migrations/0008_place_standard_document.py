from django.db import migrations, models


def store_documents(apps, schema_editor):
    """Store the open-data item of every existing place (the API serves pages from it)."""
    from django.core.exceptions import FieldError

    from maillage.places.interop.documents import refresh_documents

    place = apps.get_model("places", "Place")
    if not place.objects.exists():  # a new database: nothing to store
        return
    try:
        refresh_documents(place)
    except FieldError:  # today's serialiser reads a field of a later migration: the API rebuilds on the fly
        print("\n  Lancez « maillage refresh-standard-documents » une fois les migrations passées.")  # noqa: T201


class Migration(migrations.Migration):
    # Batches of places in their own transactions: a large table is not locked for the whole backfill.
    atomic = False

    dependencies = [
        ("places", "0007_merge_0006_annuaire_file_0006_published_id_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="place",
            name="standard_document",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="l'élément JSON du lieu au standard national, tel que l'API le sert (sans « url »), "
                "précédé de l'empreinte du code qui l'a produit (maillage.places.interop.writer.standard_document)",
            ),
        ),
        migrations.RunPython(store_documents, migrations.RunPython.noop, elidable=True),
    ]
