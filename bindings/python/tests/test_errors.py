"""Failures raise AttnError with the library's status and message."""

from __future__ import annotations

import pickle
import threading
from pathlib import Path

import pytest
from helpers import IDS_MODEL, need

import attn


def test_bad_path_gives_the_library_message(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(attn.NotFoundError) as caught:
        attn.Model(missing)
    err = caught.value
    assert isinstance(err, attn.AttnError)
    assert err.status == -2
    assert err.status_name == "not found"
    assert str(missing) in err.message
    assert str(err) == f"{err.message} (not found)"


def test_unknown_option_gives_the_library_message(ids_model: attn.Model) -> None:
    with pytest.raises(attn.InvalidArgumentError) as caught:
        ids_model.generate([[2, 7, 0]], num_beems=4)
    assert caught.value.status == -1
    assert caught.value.status_name == "invalid argument"
    assert "unknown option 'num_beems'" in caught.value.message


def test_option_out_of_range(ids_model: attn.Model) -> None:
    with pytest.raises(attn.InvalidArgumentError, match="num_beams"):
        ids_model.generate([[2, 7, 0]], num_beams=0)


def test_option_of_a_type_no_setter_takes(ids_model: attn.Model) -> None:
    with pytest.raises(TypeError, match="num_beams"):
        ids_model.generate([[2, 7, 0]], num_beams={"n": 4})  # type: ignore[arg-type]


def test_option_that_does_not_apply() -> None:
    with pytest.raises(attn.InvalidArgumentError, match="num_beams"):
        attn.Model(need(IDS_MODEL), num_beams=4)


def test_errors_survive_pickling(tmp_path: Path) -> None:
    with pytest.raises(attn.NotFoundError) as caught:
        attn.Tokenizer(tmp_path / "missing")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is attn.NotFoundError
    assert (copy.message, copy.status, copy.status_name) == (
        caught.value.message, caught.value.status, caught.value.status_name)


def test_each_thread_reads_its_own_message(tmp_path: Path) -> None:
    mismatches = []

    def fail(n: int) -> None:
        for attempt in range(50):
            missing = tmp_path / f"thread-{n}-attempt-{attempt}"
            try:
                attn.Tokenizer(missing)
            except attn.NotFoundError as err:
                if str(missing) not in err.message:
                    mismatches.append(err.message)

    threads = [threading.Thread(target=fail, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mismatches == []
