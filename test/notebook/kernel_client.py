"""What the notebook drivers (interrupt.py for tslab, deno-interrupt.py for Deno) share: reading one request's
messages from a jupyter_client KernelClient, their printed text, and waiting for a text to be printed."""
import queue
import time


def drain(kc, msg_id, timeout, strays=None):
    """Messages of one request until its status goes idle: (messages, True), or (messages, False) at the timeout.
    Stream text of other requests goes to `strays` when given (tslab tags output with the latest request)."""
    got, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=max(0.05, deadline - time.monotonic()))
        except queue.Empty:
            break
        if m['parent_header'].get('msg_id') != msg_id:
            if strays is not None and m['msg_type'] == 'stream':
                strays.append(m['content']['text'])
            continue
        got.append((m['msg_type'], m['content']))
        if m['msg_type'] == 'status' and m['content']['execution_state'] == 'idle':
            return got, True
    return got, False


def texts(msgs):
    """What the messages printed (stream text), joined."""
    return ''.join(c.get('text', '') for t, c in msgs if t == 'stream')


def wait_for_text(kc, needle, timeout):
    """Reads iopub until some stream text holds `needle` (a running cell printing); returns what was printed."""
    seen, deadline = [], time.monotonic() + timeout
    while needle not in ''.join(seen) and time.monotonic() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=0.5)
        except queue.Empty:
            continue
        if m['msg_type'] == 'stream':
            seen.append(m['content']['text'])
    return ''.join(seen)
