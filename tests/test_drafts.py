"""Drafts are written atomically, listed per database and user, and discarded."""

from __future__ import annotations

from incident_desk.incidents import drafts


def test_save_load_list_discard(tmp_path):
    drafts.save(
        "new-1",
        db_url="sqlite:///a",
        user_id=3,
        incident_id=None,
        title="Slip",
        payload={"fields": {"title": "Slip"}},
        folder=tmp_path,
    )
    drafts.save(
        "incident-7",
        db_url="sqlite:///a",
        user_id=3,
        incident_id=7,
        title="Edit",
        payload={},
        folder=tmp_path,
    )
    drafts.save(
        "new-2",
        db_url="sqlite:///b",
        user_id=3,
        incident_id=None,
        title="Other db",
        payload={},
        folder=tmp_path,
    )
    draft = drafts.load("new-1", folder=tmp_path)
    assert draft is not None and draft.payload == {"fields": {"title": "Slip"}} and draft.user_id == 3
    keys = [d.key for d in drafts.list_drafts(db_url="sqlite:///a", user_id=3, folder=tmp_path)]
    assert sorted(keys) == ["incident-7", "new-1"]
    assert drafts.list_drafts(db_url="sqlite:///a", user_id=4, folder=tmp_path) == []
    drafts.discard("new-1", folder=tmp_path)
    assert drafts.load("new-1", folder=tmp_path) is None
    assert not list(tmp_path.glob("*.tmp"))


def test_overwrite_is_atomic_and_unreadable_files_ignored(tmp_path):
    for n in range(3):
        drafts.save(
            "new-1",
            db_url="u",
            user_id=None,
            incident_id=None,
            title=f"v{n}",
            payload={"n": n},
            folder=tmp_path,
        )
    (tmp_path / "broken.json").write_text("{not json")
    found = drafts.list_drafts(folder=tmp_path)
    assert [d.payload for d in found] == [{"n": 2}]


def test_bad_key_rejected(tmp_path):
    import pytest

    with pytest.raises(ValueError):
        drafts.save(
            "../escape", db_url="u", user_id=None, incident_id=None, title="", payload={}, folder=tmp_path
        )
