#!/usr/bin/python3
"""Interrupts a cell of tslab's jslab kernel that is following a task's output, then checks that the cell ended,
that nothing more was printed (the follower stopped), and that the kernel answers the next cell.

Run by test/notebook/interrupt.test.ts with Debian's python3 and jupyter_client. Environment: JUPYTER_PATH (with
kernels/jslab), KERNEL_CWD (the project folder), SETUP (a cell that starts the task), LONG (the cell to interrupt),
AFTER (seconds to watch for late output). Prints one JSON line: {"ok": bool, ...details}; exits 0 when ok.
"""
import json, os, queue, sys, time
from jupyter_client.manager import KernelManager

from kernel_client import drain as drain_until_idle, texts, wait_for_text

STRAY = []  # stream text parented to other requests (a follower that kept printing)


def drain(kc, msg_id, timeout):
    got, idle = drain_until_idle(kc, msg_id, timeout, STRAY)
    if not idle:
        raise TimeoutError(f'no idle for {msg_id} within {timeout}s; got {got}')
    return got


def reply_to(kc, msg_id, timeout):
    deadline = time.monotonic() + timeout
    while True:
        m = kc.get_shell_msg(timeout=max(0.05, deadline - time.monotonic()))
        if m['parent_header'].get('msg_id') == msg_id:
            return m['content']


def run(kc, code, timeout=30):
    msg_id = kc.execute(code)
    msgs = drain(kc, msg_id, timeout)
    return msgs, reply_to(kc, msg_id, timeout)


km = KernelManager(kernel_name='jslab')
km.start_kernel(cwd=os.environ['KERNEL_CWD'])
kc = km.client()
kc.start_channels()
result = {'ok': False}
try:
    kc.wait_for_ready(timeout=60)
    msgs, reply = run(kc, os.environ['SETUP'] + '\nconst kept = 42;')
    result['setup'] = reply['status']
    result['setupText'] = texts(msgs)
    msg_id = kc.execute(os.environ['LONG'])
    seen = [wait_for_text(kc, 'tick', 20)]  # the follower is printing: interrupt it now
    km.interrupt_kernel()  # interrupt_mode 'signal': SIGINT to the kernel's process group
    msgs = drain(kc, msg_id, 20)
    reply = reply_to(kc, msg_id, 20)
    long_text = ''.join(seen) + texts(msgs)
    result['interrupted'] = reply['status'] == 'error' and 'Interrupted' in long_text
    time.sleep(0.5)  # tslab aborts requests that arrive within 200 ms of a failed cell
    STRAY.clear()
    time.sleep(float(os.environ.get('AFTER', '1.5')))
    msgs, reply = run(kc, 'kept + 1')
    result['answer'] = texts(msgs).strip()
    late = STRAY + [t for t in texts(msgs).splitlines() if t != '43']
    while True:
        try:
            m = kc.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            break
        if m['msg_type'] == 'stream':
            late.append(m['content']['text'])
    result['late'] = late
    result['alive'] = km.is_alive()
    result['ok'] = result['setup'] == 'ok' and result['interrupted'] and result['answer'] == '43' and not late and result['alive']
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    del kc
print(json.dumps(result))
sys.exit(0 if result['ok'] else 1)
