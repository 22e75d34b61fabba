"""Review tracking: which articles are past their planned update, or close to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.model import Article, Finding, ReviewDate

OVERDUE, DUE = "review.overdue", "review.due-soon"


@dataclass(frozen=True)
class ReviewStatus:
    """One article whose planned review has passed or is near."""

    article: Article  # the source article
    state: str  # OVERDUE or DUE
    days: int  # days past the planned date (OVERDUE) or left until it (DUE)


def review_state(review: ReviewDate, today: dt.date, window_days: int) -> tuple[str, int] | None:
    """A review is overdue once the period it names is over: "2025" is on time until 31 December."""
    left = (review.last_day - today).days
    if left < 0:
        return OVERDUE, -left
    if left <= window_days:
        return DUE, left
    return None


def due_reviews(articles: Iterable[Article], today: dt.date, window_days: int) -> list[ReviewStatus]:
    found = []
    for article in articles:
        state = review_state(article.next_review, today, window_days)
        if state:
            found.append(ReviewStatus(article, *state))
    return sorted(found, key=lambda r: (r.article.next_review.last_day, r.article.id))


def review_findings(reviews: Iterable[ReviewStatus]) -> list[Finding]:
    return [Finding(r.state, r.article.origin.path, None, _message(r)) for r in reviews]


def _message(review: ReviewStatus) -> str:
    planned = review.article.next_review
    if review.state == OVERDUE:
        return f"article {review.article.id}: the planned update ({planned}) is {review.days} day(s) overdue"
    return f"article {review.article.id}: the planned update ({planned}) is due in {review.days} day(s)"
