"""A sandboxed fake shell for the simulated ttyd terminal: pure Python, it never runs anything on the host.

:class:`FakeShell` takes raw keystroke bytes and returns terminal output bytes. It does line editing with echo
(backspace, Ctrl-C, Ctrl-U, Ctrl-L, Ctrl-D; arrow keys and other escape sequences are ignored) and answers a handful
of commands with output shaped like BusyBox on an RV1126B (Linux 6.1, aarch64): ``uname``, ``df``, ``free``,
``uptime``, ``cat`` of a few ``/proc`` files, ``echo``, ``hostname``, ``whoami``, ``pwd``, ``date``, ``clear``,
``help`` and ``exit``. Every other command answers ``sh: X: not found``.
"""

from __future__ import annotations

import codecs
import math
import shlex
import time
from collections.abc import Callable

HOSTNAME = "recamera"
KERNEL_RELEASE = "6.1.157"
KERNEL_VERSION = "#1 SMP PREEMPT Fri Aug  1 15:02:11 CST 2025"
PROMPT = f"root@{HOSTNAME}:~# "
MAX_LINE = 4096
MEM_TOTAL_KB = 3_977_380

# (filesystem, size KiB, used KiB, mount point): a 8 GB eMMC and a 32 GB SD card.
_FILESYSTEMS = (
    ("/dev/root", 497_664, 319_898, "/"),
    ("devtmpfs", 1_988_688, 0, "/dev"),
    ("tmpfs", 1_988_688, 0, "/dev/shm"),
    ("tmpfs", 1_988_688, 348, "/tmp"),
    ("tmpfs", 1_988_688, 96, "/run"),
    ("/dev/mmcblk0p6", 1_015_704, 217_600, "/oem"),
    ("/dev/mmcblk0p7", 6_082_560, 422_196, "/userdata"),
    ("/dev/mmcblk1p1", 31_154_688, 3_355_443, "/mnt/sd"),
)

HELP = (
    "Simulated reCamera shell (no command runs on any real system). Commands:\r\n"
    "  uname [-asnrvmo]   df [-h]   free [-m|-h]   uptime   date   hostname   whoami   pwd\r\n"
    "  cat /proc/loadavg|/proc/uptime|/proc/version|/etc/hostname   echo [-n] ...   clear   help   exit\r\n"
)


def _human(kib: float) -> str:
    """BusyBox ``df -h`` / ``free -h`` sizes: ``0``, ``348.0K``, ``312.4M``, ``1.9G``."""
    if kib == 0:
        return "0"
    value, unit = float(kib), "K"
    for next_unit in ("M", "G", "T"):
        if value < 1024:
            break
        value, unit = value / 1024, next_unit
    return f"{value:.1f}{unit}"


class FakeShell:
    """One fake ``sh`` session. Feed it input bytes, send back what it returns; ``exited`` turns true on ``exit``."""

    def __init__(self, boot_time: float | None = None, seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.boot_time = time.time() - 3600 if boot_time is None else boot_time
        self.seed = seed
        self.clock = clock
        self.exited = False
        self.exit_status = 0
        self.last_status = 0
        self._line = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._escape = ""
        self._after_cr = False
        self.commands: dict[str, Callable[[list[str]], str]] = {
            "uname": self._uname,
            "df": self._df,
            "free": self._free,
            "uptime": lambda args: self._uptime_line() + "\r\n",
            "cat": self._cat,
            "echo": self._echo,
            "hostname": lambda args: HOSTNAME + "\r\n",
            "whoami": lambda args: "root\r\n",
            "pwd": lambda args: "/root\r\n",
            "date": lambda args: time.strftime("%a %b %e %H:%M:%S %Z %Y", time.localtime(self.clock())) + "\r\n",
            "clear": lambda args: "\x1b[H\x1b[J",
            "help": lambda args: HELP,
            "true": lambda args: "",
            "false": self._false,
        }

    # ---- terminal side -------------------------------------------------------------------------------------
    def start(self) -> bytes:
        """What the shell prints when it starts: the prompt."""
        return PROMPT.encode()

    def feed(self, data: bytes) -> bytes:
        """Process keystrokes; returns the terminal output (echo, command output, prompts)."""
        out: list[str] = []
        for char in self._decoder.decode(data):
            if self.exited:
                break
            out.append(self._key(char))
        return "".join(out).encode()

    def _key(self, char: str) -> str:
        if self._escape:
            self._escape += char
            # ESC [ ... final byte, or ESC O x, or ESC + one char.
            if len(self._escape) == 2 and char not in "[O":
                self._escape = ""
            elif len(self._escape) > 2 and ("@" <= char <= "~" or self._escape[1] == "O"):
                self._escape = ""
            return ""
        after_cr, self._after_cr = self._after_cr, False
        if char == "\x1b":
            self._escape = char
            return ""
        if char == "\n" and after_cr:
            return ""
        if char in "\r\n":
            self._after_cr = char == "\r"
            line, self._line = self._line, ""
            output = "\r\n" + self.run(line)
            return output if self.exited else output + PROMPT
        if char in "\x7f\x08":
            if not self._line:
                return ""
            self._line = self._line[:-1]
            return "\b \b"
        if char == "\x03":
            self._line = ""
            return "^C\r\n" + PROMPT
        if char == "\x04":
            if self._line:
                return ""
            self.exited = True
            return "\r\n"
        if char == "\x15":
            erased, self._line = len(self._line), ""
            return "\b \b" * erased
        if char == "\x0c":
            return "\x1b[H\x1b[J" + PROMPT + self._line
        if char == "\t":
            return "\x07"
        if char < " " or len(self._line) >= MAX_LINE:
            return ""
        self._line += char
        return char

    # ---- commands ------------------------------------------------------------------------------------------
    def run(self, line: str) -> str:
        """Run one command line (already edited); returns its output with ``\\r\\n`` line ends."""
        if not line.strip():
            return ""
        if any(op in line for op in ("|", ";", "&", ">", "<", "`", "$(")):
            self.last_status = 2
            return "sh: pipes, redirections and command lists are not supported by this simulated shell\r\n"
        try:
            words = shlex.split(line)
        except ValueError:
            self.last_status = 2
            return "sh: syntax error: unterminated quoted string\r\n"
        if not words:
            return ""
        name, args = words[0], words[1:]
        if name == "exit":
            self.exited = True
            self.exit_status = int(args[0]) if args and args[0].isdigit() else 0
            return ""
        command = self.commands.get(name)
        if command is None:
            self.last_status = 127
            return f"sh: {name}: not found\r\n"
        self.last_status = 0
        return command(args)

    def _false(self, args: list[str]) -> str:
        self.last_status = 1
        return ""

    def _uname(self, args: list[str]) -> str:
        fields = {
            "s": "Linux",
            "n": HOSTNAME,
            "r": KERNEL_RELEASE,
            "v": KERNEL_VERSION,
            "m": "aarch64",
            "o": "GNU/Linux",
        }
        flags = "".join(arg[1:] for arg in args if arg.startswith("-"))
        for arg in args:
            if not arg.startswith("-"):
                self.last_status = 1
                return f"uname: unrecognized option '{arg}'\r\n"
        for flag in flags:
            if flag not in fields and flag != "a":
                self.last_status = 1
                return f"uname: invalid option -- '{flag}'\r\n"
        wanted = "snrvmo" if "a" in flags else ("".join(f for f in "snrvmo" if f in flags) or "s")
        return " ".join(fields[f] for f in wanted) + "\r\n"

    def _df(self, args: list[str]) -> str:
        human = "-h" in args
        if human:
            rows = ["Filesystem                Size      Used Available Use% Mounted on"]
        else:
            rows = ["Filesystem           1K-blocks      Used Available Use% Mounted on"]
        for fs, size, used, mount in _FILESYSTEMS:
            avail = size - used
            pct = math.ceil(used * 100 / size) if used else 0
            if human:
                rows.append(f"{fs:<20}{_human(size):>10}{_human(used):>10}{_human(avail):>10}{pct:>4}% {mount}")
            else:
                rows.append(f"{fs:<20}{size:>10}{used:>10}{avail:>10}{pct:>4}% {mount}")
        return "\r\n".join(rows) + "\r\n"

    def _wave(self, period: float, lo: float, hi: float) -> float:
        phase = (self.clock() - self.boot_time) / period + self.seed
        return lo + (hi - lo) * (0.5 + 0.5 * math.sin(phase))

    def _free(self, args: list[str]) -> str:
        used = int(self._wave(60, 880_000, 1_420_000))
        cache = 463_824
        shared = 1_536
        free = MEM_TOTAL_KB - used - cache
        available = free + cache - 22_000
        values = [MEM_TOTAL_KB, used, free, shared, cache, available]
        if "-m" in args:
            cells = [str(v // 1024) for v in values]
        elif "-h" in args:
            cells = [_human(v).replace("K", "Ki").replace("M", "Mi").replace("G", "Gi") for v in values]
        else:
            cells = [str(v) for v in values]
        swap = ["0", "0", "0"]
        header = f"{'':<7}{'total':>12}{'used':>12}{'free':>12}{'shared':>12}{'buff/cache':>12}{'available':>12}"
        mem = "Mem:   " + "".join(f"{c:>12}" for c in cells)
        swap_row = "Swap:  " + "".join(f"{c:>12}" for c in swap)
        return f"{header}\r\n{mem}\r\n{swap_row}\r\n"

    def _loads(self) -> tuple[float, float, float]:
        one = self._wave(40, 0.35, 1.6)
        return one, (one + 0.7) / 2, (one + 1.4) / 3

    def _uptime_line(self) -> str:
        up = max(0, int(self.clock() - self.boot_time))
        days, rest = divmod(up, 86400)
        hours, minutes = rest // 3600, rest % 3600 // 60
        if days:
            span = f"{days} day{'s' if days != 1 else ''}, " + (
                f"{hours:2d}:{minutes:02d}" if hours else f"{minutes} min"
            )
        elif hours:
            span = f"{hours:2d}:{minutes:02d}"
        else:
            span = f"{minutes} min"
        now = time.strftime("%H:%M:%S", time.localtime(self.clock()))
        one, five, fifteen = self._loads()
        return f" {now} up {span},  load average: {one:.2f}, {five:.2f}, {fifteen:.2f}"

    def _cat(self, args: list[str]) -> str:
        if not args:
            return ""
        out: list[str] = []
        for path in args:
            if path == "/proc/loadavg":
                one, five, fifteen = self._loads()
                running = 1 + int(self._wave(7, 0, 3))
                out.append(f"{one:.2f} {five:.2f} {fifteen:.2f} {running}/187 {1400 + int(self.clock()) % 600}\r\n")
            elif path == "/proc/uptime":
                up = max(0.0, self.clock() - self.boot_time)
                out.append(f"{up:.2f} {up * 1.71:.2f}\r\n")
            elif path == "/proc/version":
                out.append(
                    f"Linux version {KERNEL_RELEASE} (builder@recamera-ci) (aarch64-none-linux-gnu-gcc (GNU Toolchain)"
                    f" 10.3.1 20210621, GNU ld (GNU Toolchain) 2.36.1.20210621) {KERNEL_VERSION}\r\n"
                )
            elif path == "/etc/hostname":
                out.append(HOSTNAME + "\r\n")
            else:
                self.last_status = 1
                out.append(f"cat: can't open '{path}': No such file or directory\r\n")
        return "".join(out)

    def _echo(self, args: list[str]) -> str:
        newline = True
        if args and args[0] == "-n":
            newline, args = False, args[1:]
        return " ".join(args) + ("\r\n" if newline else "")
