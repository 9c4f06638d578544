import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Buyer {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class StaffUserFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    is_staff = True

    @factory.post_generation
    def with_totp(self, create, extracted, **kwargs):
        if not create:
            return
        self.user_permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
        if extracted:
            TOTP.activate(self, generate_totp_secret())


def demo_legal_approver():
    """legal@example.com, in "Legal approvers", and editor@example.com, in "Policy
    editors": the seed submits the demo versions as the editor and approves
    them as legal (four eyes), so versions have a submitter and an approver."""
    users = get_user_model().objects
    editor, _ = users.get_or_create(
        email="editor@example.com", defaults={"first_name": "Emma", "last_name": "Editor"}
    )
    editor.groups.add(Group.objects.get_or_create(name="Policy editors")[0])
    legal, _ = users.get_or_create(
        email="legal@example.com", defaults={"first_name": "Louis", "last_name": "Legal"}
    )
    legal.groups.add(Group.objects.get_or_create(name="Legal approvers")[0])
    return legal
