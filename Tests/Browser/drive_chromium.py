#!/usr/bin/env python3
"""Drives Debian's headless chromium over the DevTools protocol (--remote-debugging-pipe:
NUL-separated JSON on fds 3 and 4, so no WebSocket library is needed) for the live calls
page test. Commands come one JSON object per line on stdin; each gets one JSON line on
stdout:

  {"cmd": "open", "url": "..."}                                 -> {"ok": true}
  {"cmd": "wait", "selector": "#live", "contains": ["a", "b"], "timeout": 15}
                                                                -> {"ok": bool, "text": innerText}
  {"cmd": "eval", "expression": "..."}                          -> {"ok": true, "value": ...}
  {"cmd": "screenshot", "path": "/tmp/x.png"}                   -> {"ok": true, "bytes": n}
  {"cmd": "quit"}                                               -> {"ok": true}, exits

An "eval" whose expression is a promise answers with what the promise resolves to.

Standard library only. Usage: drive_chromium.py [chromium-binary [extra chromium flags...]]
(default: chromium), e.g. --host-resolver-rules="MAP rebind.attacker.example 127.0.0.1"
for a page under a name that resolves to loopback (the DNS rebinding tests).
"""
import base64, json, os, shutil, subprocess, sys, tempfile, time

WIDTH, HEIGHT = 1360, 900


class Browser:
    def __init__(self, binary, extra_flags=()):
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # The child's ends on fixed numbers the shell below moves to 3 and 4.
        child_in, child_out = os.dup2(to_chrome_r, 100), os.dup2(from_chrome_w, 101)
        self.profile = tempfile.mkdtemp(prefix="vlgw-chromium-")
        # A shell puts the pipes on fds 3 and 4 (subprocess would close them after a preexec_fn).
        args = ["bash", "-c", 'exec "$0" "$@" 3<&100 4>&101 100<&- 101>&-', binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe",
                f"--user-data-dir={self.profile}", f"--window-size={WIDTH},{HEIGHT}", *extra_flags, "about:blank"]
        self.proc = subprocess.Popen(args, pass_fds=(child_in, child_out),
                                     stdout=subprocess.DEVNULL, stderr=open(os.environ.get("VLGW_CHROMIUM_LOG", os.devnull), "w"))
        for fd in (to_chrome_r, from_chrome_w, child_in, child_out):
            os.close(fd)
        self.out = os.fdopen(to_chrome_w, "wb", buffering=0)
        self.inp = os.fdopen(from_chrome_r, "rb", buffering=0)
        self.buffer = b""
        self.next_id = 0
        self.session = None

    def call(self, method, params=None, session=True, timeout=20):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        self.out.write(json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
            chunk = self.inp.read(65536)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        raise RuntimeError(f"{method}: no answer in {timeout} s")

    def open(self, url):
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
        self.call("Page.navigate", {"url": url})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"script error: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def text(self, selector):
        return self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); return e ? e.innerText : null; }})()")

    def wait(self, selector, contains, timeout):
        deadline = time.time() + timeout
        text = None
        while time.time() < deadline:
            text = self.text(selector)
            if text is not None and all(c in text for c in contains):
                return True, text
            time.sleep(0.2)
        return False, text

    def screenshot(self, path):
        height = self.evaluate("document.documentElement.scrollHeight") or HEIGHT
        self.call("Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": min(max(int(height), 400), 2400), "deviceScaleFactor": 1, "mobile": False})
        time.sleep(0.3)
        data = base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"})["data"])
        with open(path, "wb") as f:
            f.write(data)
        self.call("Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
        return len(data)

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    browser = Browser(sys.argv[1] if len(sys.argv) > 1 else "chromium", sys.argv[2:])
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line)
            try:
                kind = command["cmd"]
                if kind == "open":
                    browser.open(command["url"]); reply = {"ok": True}
                elif kind == "wait":
                    ok, text = browser.wait(command["selector"], command.get("contains", []), command.get("timeout", 10))
                    reply = {"ok": ok, "text": text}
                elif kind == "eval":
                    reply = {"ok": True, "value": browser.evaluate(command["expression"])}
                elif kind == "screenshot":
                    reply = {"ok": True, "bytes": browser.screenshot(command["path"])}
                elif kind == "quit":
                    print(json.dumps({"ok": True}), flush=True)
                    break
                else:
                    reply = {"ok": False, "error": f"unknown command {kind}"}
            except Exception as error:  # report, keep serving: the test decides
                reply = {"ok": False, "error": str(error)}
            print(json.dumps(reply), flush=True)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
