"""Two moderators confirming the same proposal at the same moment, in two database sessions:
exactly one final rating, and the other is told it is already final."""

import threading

import pytest
from django.db import connection

from assessment import moderation, workflow
from assessment.models import Rating
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_simultaneous_confirmations_give_exactly_one_rating(assessed, roles):
    mod = moderation.open_moderation(assessed.submission, actor=roles.moderator)
    for domain in assessed.submission.cycle.domains.order_by("code"):
        moderation.set_agreed_score(mod, domain, score=2, reason="Agreed.", actor=roles.moderator)
    moderation.apply_moderation_action(
        mod, workflow.ModerationAction.PROPOSE, actor=roles.moderator
    )
    confirmers = [assessed.moderator2, UserFactory(is_moderator=True)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def confirm(actor):
        try:
            barrier.wait(timeout=10)
            results.append(
                moderation.apply_moderation_action(
                    mod, workflow.ModerationAction.CONFIRM, actor=actor
                )
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own database session

    threads = [threading.Thread(target=confirm, args=(actor,)) for actor in confirmers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert Rating.objects.filter(submission=assessed.submission).count() == 1
    assert sorted(r.changed for r in results) == [False, True]
    assert [r.message for r in results if not r.changed] == ["This rating is already final."]
