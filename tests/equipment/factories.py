"""Factories of the refurbishment loop (devices are created through the services, as in real use)."""

from __future__ import annotations

from typing import Any

import factory

from maillage.equipment import services
from maillage.equipment.models import DeviceKind, DeviceState, Donation, Donor, DonorKind, PriorityCriterion


class DonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donor

    name = factory.Sequence(lambda n: f"Donateur {n}")
    kind = DonorKind.COMPANY


class DonationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donation

    donor = factory.SubFactory(DonorFactory, territory=factory.SelfAttribute("..territory"))
    received_on = factory.Faker("date_between", start_date="-1y", end_date="-1d")


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriorityCriterion

    code = factory.Sequence(lambda n: f"critere-{n}")
    label = factory.Sequence(lambda n: f"Critère {n}")


def make_devices(actor: Any, territory: Any, count: int = 1, **spec: Any) -> list[Any]:
    donation = DonationFactory(territory=territory)
    specs = [
        services.NewDevice(kind=spec.get("kind", DeviceKind.LAPTOP), serial_number=spec.get("serial", ""))
        for _ in range(count)
    ]
    devices, _warnings = services.add_devices(actor=actor, donation=donation, devices=specs)
    return devices


def make_ready(actor: Any, territory: Any, *, erased: bool = True) -> Any:
    from django.utils import timezone

    (device,) = make_devices(actor, territory)
    services.transition(actor=actor, device_id=device.pk, to_state=DeviceState.DIAGNOSED)
    if erased:
        services.record_erasure(
            actor=actor, device_id=device.pk, method="overwrite", erased_on=timezone.localdate()
        )
    return services.transition(actor=actor, device_id=device.pk, to_state=DeviceState.READY)
