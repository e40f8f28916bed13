"""The training catalogue shared by every territory (editable in the admin)."""

from django.db import migrations

MODULES = [
    ("inclusion-numerique", "Inclusion numérique : repérer, accompagner, orienter",
     "Repérer les difficultés numériques, faire avec et non à la place, orienter vers un lieu de médiation.", 7, False),
    ("aidants-connect", "Aidants Connect",
     "Réaliser des démarches en ligne pour le compte d'une personne, en toute sécurité : la formation requise pour l'habilitation.", 7, True),
    ("accueil-publics-fragiles", "Accueil des publics fragiles",
     "Accueillir les personnes éloignées du numérique, en situation de handicap ou de précarité.", 7, False),
    ("reconditionnement", "Reconditionnement et équipement",
     "Diagnostiquer, effacer, reconditionner et remettre du matériel ; conseiller un équipement.", 3.5, False),
    ("demarches-en-ligne", "Démarches administratives en ligne",
     "Les principaux sites (CAF, impots.gouv, ANTS, France Travail) et FranceConnect.", 7, False),
    ("cybersecurite", "Sécurité numérique et arnaques",
     "Reconnaître l'hameçonnage et les arnaques, protéger ses comptes et ses données.", 3.5, False),
]


def seed(apps, schema_editor):
    Module = apps.get_model("training", "Module")
    for position, (code, name, description, hours, aidants_connect) in enumerate(MODULES):
        Module.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "duration_hours": hours,
                "is_aidants_connect": aidants_connect,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
