from django.urls import path

from maillage.equipment import views

app_name = "equipment"

urlpatterns = [
    path("", views.home, name="home"),
    path("dons/", views.donation_list, name="donations"),
    path("dons/nouveau/", views.donation_new, name="donation_new"),
    path("dons/<int:pk>/", views.donation_detail, name="donation"),
    path("atelier/", views.workshop, name="workshop"),
    path("appareils/<int:pk>/", views.device_detail, name="device"),
    path("appareils/<int:pk>/reserver/", views.device_reserve, name="reserve"),
    path("etiquettes.pdf", views.labels, name="labels"),
    path("scan/<str:asset_tag>/", views.scan, name="scan"),
    path("attributions/<int:pk>/", views.allocation_detail, name="allocation"),
    path("attributions/<int:pk>/convention.pdf", views.allocation_agreement, name="agreement"),
    path("suivis/", views.follow_ups, name="follow_ups"),
    path("suivis/<int:pk>/", views.follow_up, name="follow_up"),
    path("statistiques/", views.statistics, name="statistics"),
    path("bilan.pdf", views.bilan_pdf, name="bilan_pdf"),
    path("bilan.docx", views.bilan_docx, name="bilan_docx"),
    path("importer/", views.inventory_import, name="import"),
]
