from django.urls import path, re_path

from maillage.observatory import views

app_name = "observatory"

CODE = r"(?P<code>[0-9AB]{2,3}|[0-9]{9})"

urlpatterns = [
    path("", views.index, name="index"),
    re_path(rf"^{CODE}/$", views.territory, name="territory"),
    re_path(rf"^{CODE}/communes\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
    re_path(rf"^{CODE}/carte\.svg$", views.map_svg, name="map"),
    re_path(rf"^{CODE}/fiche\.(?P<fmt>pdf|docx)$", views.sheet, name="sheet"),
    re_path(rf"^{CODE}/livret\.pdf$", views.book, name="book"),
    re_path(rf"^{CODE}/publication/$", views.publish, name="publish"),
    re_path(rf"^public/{CODE}/$", views.public_territory, name="public"),
    re_path(rf"^public/{CODE}/communes\.(?P<fmt>csv|xlsx)$", views.public_export, name="public_export"),
    re_path(rf"^public/{CODE}/carte\.svg$", views.public_map_svg, name="public_map"),
]
