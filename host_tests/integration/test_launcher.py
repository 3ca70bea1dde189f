"""tools/unix-agent: the modules are linked into STATE_DIR/.lib and found from there, as a
board finds them in its flash root, so the agent's heap does not depend on where they live."""
import os
import shutil

OFFLINE = "ws://127.0.0.1:9/ocpp"  # nothing listens: the agent starts and keeps retrying


def test_the_heap_does_not_depend_on_the_bundle_path(agent_bundle, make_agent, monkeypatch,
                                                     tmp_path):
    # Each module's name (__file__) is interned in the heap: from a long directory, ~40 modules
    # would cost KBs more than from a board's flash root.
    long_dir = tmp_path / ("a-bundle-directory-with-a-very-long-name-" * 5)
    shutil.copytree(agent_bundle, long_dir)
    figures = []
    for i, modules in enumerate((agent_bundle, str(long_dir))):
        monkeypatch.setenv("AGENT_MODULES", modules)
        agent = make_agent(None, name="agent%d" % i, heap="256k", csms_url=OFFLINE)
        agent.wait_log("starting on unix")
        assert os.readlink(os.path.join(agent.state, ".lib", "ocpp")) == \
            os.path.join(modules, "ocpp")
        figures.append(agent.status()["heap"]["after_imports"])
        agent.stop()
    assert abs(figures[0] - figures[1]) < 256, figures


def test_the_links_are_made_again_at_every_start(make_agent):
    agent = make_agent(None, csms_url=OFFLINE)
    agent.wait_log("starting on unix")
    agent.stop()
    os.remove(os.path.join(agent.state, ".lib", "board.mpy"))
    agent.start()
    agent.wait_log("starting on unix", count=2)
    assert os.path.islink(os.path.join(agent.state, ".lib", "board.mpy"))


def test_a_lib_directory_of_the_users_is_never_touched(make_agent):
    agent = make_agent(None, start=False, csms_url=OFFLINE)
    agent.write_config()
    mine = os.path.join(agent.state, ".lib", "mine.txt")
    os.makedirs(os.path.dirname(mine))
    with open(mine, "w") as f:
        f.write("keep")
    agent.start()
    assert agent.wait_exit(15) == 2
    assert ".lib holds more than the launcher's links" in agent.log()
    assert open(mine).read() == "keep"


def test_by_default_the_agent_runs_the_compiled_bundle(make_agent, monkeypatch):
    """As a board runs it: tools/unix-agent builds build/unix when a source is newer, and runs
    the .mpy files from there; AGENT_SOURCE=1 runs the .py sources."""
    from agent import ROOT

    monkeypatch.delenv("AGENT_MODULES", raising=False)
    monkeypatch.delenv("AGENT_SOURCE", raising=False)
    monkeypatch.delenv("AGENT_MICROPYTHON", raising=False)  # the default binary, too
    agent = make_agent(None, name="bundled", csms_url=OFFLINE)
    agent.wait_log("starting on unix", timeout=60)
    lib = os.path.join(agent.state, ".lib")
    assert os.readlink(os.path.join(lib, "ocpp")) == os.path.join(ROOT, "build", "unix", "ocpp")
    assert os.path.exists(os.path.join(lib, "ocpp", "core", "rpc", "__init__.mpy"))
    agent.stop()
    monkeypatch.setenv("AGENT_SOURCE", "1")
    agent = make_agent(None, name="sources", csms_url=OFFLINE, heap="1024k")
    agent.wait_log("starting on unix")
    assert os.readlink(os.path.join(agent.state, ".lib", "ocpp")) == \
        os.path.join(ROOT, "firmware", "ocpp")


def test_an_image_with_the_agent_frozen_in_gets_only_main_py(make_agent, monkeypatch):
    """AGENT_MICROPYTHON=<make firmware BOARD=unix32's image>: as on a flashed board, the agent
    comes from the image and only main.py from the filesystem."""
    from agent import ROOT

    image = os.environ.get("AGENT_MICROPYTHON") or os.path.join(ROOT, "build", "firmware",
                                                                "unix32", "micropython")
    if not os.access(image, os.X_OK):
        import pytest
        pytest.skip("no unix32 image (make firmware BOARD=unix32 MICROPY_DIR=...)")
    monkeypatch.setenv("AGENT_MICROPYTHON", image)
    monkeypatch.delenv("AGENT_MODULES", raising=False)
    agent = make_agent(None, name="frozen", csms_url=OFFLINE)
    agent.wait_log("starting on unix", timeout=60)
    assert sorted(os.listdir(os.path.join(agent.state, ".lib"))) == ["main.py"]
    agent.stop()
