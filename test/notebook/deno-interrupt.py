#!/usr/bin/python3
"""Interrupts a cell of Deno's Jupyter kernel that is following a task's output, and reports what happened: whether
the cell ended within WAIT seconds, what it printed after the interrupt, and whether the kernel's process is alive.

Run by test/notebook/deno.test.ts with Debian's python3 and jupyter_client. Environment: JUPYTER_PATH (with
kernels/deno), KERNEL_CWD (the project folder), SETUP (a cell that starts the task), LONG (the cell to interrupt),
WAIT (seconds to wait for the interrupted cell), NEXT (a cell to run after it, whose printed text is reported as
`answer`). Prints one JSON line; always exits 0 (the test judges the result).
"""
import json, os, queue, time
from jupyter_client.manager import KernelManager
from kernel_client import drain, texts, wait_for_text


def errors(msgs):
    return [c.get('ename', '') + ': ' + c.get('evalue', '') for t, c in msgs if t == 'error']


km = KernelManager(kernel_name='deno')
km.start_kernel(cwd=os.environ['KERNEL_CWD'])
kc = km.client()
kc.start_channels()
result = {}
try:
    kc.wait_for_ready(timeout=60)
    msgs, idle = drain(kc, kc.execute(os.environ['SETUP']), 60)
    result['setup'] = 'ok' if idle and not errors(msgs) else 'failed: ' + '; '.join(errors(msgs))
    msg_id = kc.execute(os.environ['LONG'])
    seen = [wait_for_text(kc, 'tick', 20)]  # the follower is printing: interrupt it now
    result['followed'] = 'tick' in ''.join(seen)
    km.interrupt_kernel()  # interrupt_mode 'signal': SIGINT to the kernel's process group
    t0 = time.monotonic()
    msgs, idle = drain(kc, msg_id, float(os.environ.get('WAIT', '3')))
    result['ended'] = idle
    result['waitedMs'] = round((time.monotonic() - t0) * 1000)
    result['printedAfter'] = [line for line in texts(msgs).splitlines() if line][-5:]
    result['errors'] = errors(msgs)
    result['alive'] = km.is_alive()
    if result['alive'] and os.environ.get('NEXT'):  # the next cell (if the interrupted one is still busy, it waits)
        msgs, idle = drain(kc, kc.execute(os.environ['NEXT']), float(os.environ.get('WAIT', '3')))
        result['answer'] = texts(msgs).strip() if idle else None
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    del kc  # avoids a noisy KernelClient.__del__ at interpreter exit
print(json.dumps(result))
