"""factory_boy factories for the project's models."""

import factory

from accounts.models import CCGRole, User
from ccgs.models import CCG, STP, Region, RegisterEntry

TEST_PASSWORD = "correct-horse-battery-staple"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("ons_code",)

    ons_code = factory.Sequence(lambda n: f"E40{n:06d}")
    ods_code = factory.Sequence(lambda n: f"Y{n:02d}")
    name = factory.Sequence(lambda n: f"Region {n}")


class STPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = STP

    ons_code = factory.Sequence(lambda n: f"E54{n:06d}")
    ods_code = factory.Sequence(lambda n: f"Q{n:02d}")
    name = factory.Sequence(lambda n: f"STP {n}")
    region = factory.SubFactory(RegionFactory)


class CCGFactory(factory.django.DjangoModelFactory):
    """A CCG on the April 2019 register."""

    class Meta:
        model = CCG
        skip_postgeneration_save = True

    ods_code = factory.Sequence(lambda n: f"Z{n:04d}")  # never a real code like 07J
    ons_code = factory.Sequence(lambda n: f"E38{n:06d}")
    name = factory.Sequence(lambda n: f"NHS Test {n} CCG")
    stp = factory.SubFactory(STPFactory)

    @factory.post_generation
    def years(self, create, extracted, **kwargs):
        if create:
            for year in extracted or (2019,):
                RegisterEntry.objects.create(
                    ccg=self, year=year, name=self.name, ons_code=self.ons_code, stp=self.stp
                )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class CCGRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CCGRole

    user = factory.SubFactory(UserFactory)
    ccg = factory.SubFactory(CCGFactory)
    role = CCGRole.Role.LEAD


def authenticator_app(user):
    """The user's confirmed authenticator-app device (TOTP), made if they have none: the
    state after setting one up."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app")
