"""`codementor bench ...`: benchmarks that print numbers."""

from __future__ import annotations


def cmd_bench(args) -> None:
    if args.bench == "adaptive":
        from codementor.bench.adaptive import main as bench_adaptive

        bench_adaptive(args)
    elif args.bench == "grading":
        from codementor.bench import grading

        grading.run(as_json=args.json, jobs=args.jobs, notebook_jobs=args.notebook_jobs)
    elif args.bench == "tutor":
        from codementor.bench.tutor import main as bench_tutor

        bench_tutor(as_json=args.json, rounds=args.rounds, students=args.students)
    elif args.bench == "guardrail":
        from codementor.bench.guardrail import main as bench_guardrail

        bench_guardrail(as_json=args.json, streams=args.streams)
    elif args.bench == "dashboard":
        from codementor.bench.dashboard import run

        run(students=args.students, runs=args.runs)
    elif args.bench == "spawn" and args.servers:
        from codementor.bench.servers import main as bench_servers

        bench_servers(args.servers, as_json=args.json, concurrency=args.concurrency, cull_timeout=args.cull_timeout)
    elif args.bench == "spawn":
        from codementor.bench.spawn import run

        run(profile=args.profile, students=args.students, rounds=args.rounds)
    elif args.bench == "class":
        from codementor.bench.classroom import main as bench_class

        bench_class(args.students, as_json=args.json, find_limit=args.find_limit, ramp=args.ramp, think=(args.think_min, args.think_max),
                    workers=args.workers, log_to=args.log, grader_slots=args.grader_slots, auth_cache=args.auth_cache)
    elif args.bench == "request-cost":
        from codementor.bench.request_cost import main as bench_cost

        bench_cost(requests=args.requests, clients=args.clients, as_json=args.json, py_spy=args.py_spy)
    elif args.bench == "lti-day":
        from codementor.bench.lti_day import main as bench_lti_day

        bench_lti_day(students=args.students, outage=args.outage, poll=args.poll, retry=args.retry)
    elif args.bench == "submissions":
        from codementor.bench.submissions import main as bench_submissions

        bench_submissions(requests=args.requests, concurrency=tuple(args.concurrency), workers=args.workers, as_json=args.json)
    elif args.bench == "kernels":
        from codementor.bench.kernels import run

        run(rounds=args.rounds)
    elif args.bench == "course-views":
        from codementor.bench.course_views import main as bench_course_views

        bench_course_views(courses=args.courses, per_course=args.per_course, students=args.students, calls=args.requests)


def register(sub) -> None:
    p = sub.add_parser("bench", help="benchmarks that print numbers")
    p.set_defaults(func=cmd_bench)
    benches = p.add_subparsers(dest="bench", required=True)
    b = benches.add_parser("adaptive", help="the daily choice against two baselines, on simulated students")
    b.add_argument("--students", type=int, default=1000)
    b.add_argument("--days", type=int, default=30)
    b.add_argument("--per-day", type=int, default=1, help="exercises assigned per student per day")
    b.add_argument("--per-level", type=int, default=2, help="simulated exercises per topic and level (13 topics, 3 levels)")
    b.add_argument("--seed", type=int, default=1)
    b.add_argument("--test-spread", type=float, default=1.0, help="world: spread of a test's difficulty around its exercise's, in logits")
    b.add_argument("--testlet-sd", type=float, default=0.7, help="world: sd of the effect one submission shares across its tests")
    b.add_argument("--topic-sd", type=float, default=0.5, help="world: sd of a student's topic offsets around their general ability")
    b.add_argument(
        "--placement-lines", type=int, default=0,
        help="what-if: every placement question with this many printed lines (its levels repeated); 0: the bank's questions as they are",
    )
    b.add_argument(
        "--placement-questions", type=int, default=0,
        help="what-if: the placement check asks exactly this many questions; 0: the API's rule (4 to 6, stopping when the general skill is known)",
    )
    b.add_argument("--json", action="store_true", help="machine-readable output")
    b = benches.add_parser("grading", help="the grader's sandbox against a bare subprocess and nbclient")
    b.add_argument("--json", action="store_true", help="machine-readable output")
    b.add_argument("--jobs", type=int, default=300, help="jobs per concurrency level for the sandbox and the bare floor")
    b.add_argument("--notebook-jobs", type=int, default=8, help="jobs per concurrency level for nbclient")
    b = benches.add_parser("tutor", help="tutor latency, gateway overhead and cache hit rate (starts its own stack; from a source checkout)")
    b.add_argument("--json", action="store_true", help="machine-readable output")
    b.add_argument("--rounds", type=int, default=200, help="timed requests per latency figure")
    b.add_argument("--students", type=int, default=30, help="class size of the replayed cache trace")
    b = benches.add_parser("guardrail", help="the leak filter: leak rate per disguise, false alarms, filter time, streaming delay (from a source checkout)")
    b.add_argument("--json", action="store_true", help="machine-readable output")
    b.add_argument("--streams", type=int, default=60, help="streamed answers timed per guard for the time to first visible text")
    b = benches.add_parser("dashboard", help="the instructor overview's load time with a seeded class (starts its own stack)")
    b.add_argument("--students", type=int, default=200)
    b.add_argument("--runs", type=int, default=5)
    b = benches.add_parser("spawn", help="a student's server from spawn request to ready (starts its own stack; classroom needs root)")
    b.add_argument("--profile", default="classroom", choices=["classroom", "demo"])
    b.add_argument("--students", type=int, default=3)
    b.add_argument("--rounds", type=int, default=3)
    b.add_argument("--servers", type=int, default=0, help="instead: N servers (demo profile) with a kernel each at once: memory per "
                   "server and kernel, login to today's notebook p50/p95 at --concurrency logins at once, how many fit")
    b.add_argument("--concurrency", type=int, default=10, help="with --servers: logins at once")
    b.add_argument("--json", action="store_true", help="with --servers: machine-readable output")
    b.add_argument("--cull-timeout", type=int, default=30, help="with --servers: then run the idle culler with this "
                   "timeout (seconds) until it has stopped every server (0: skip)")
    b = benches.add_parser("class", help="a class in a lab session at once against the real stack: requests/s, p50/p95/p99 per endpoint, errors, CPU")
    b.add_argument("--students", type=int, default=100)
    b.add_argument("--json", action="store_true", help="machine-readable output")
    b.add_argument("--find-limit", action="store_true", help="search for the largest class with p95 at most 250 ms on every endpoint and no error: "
                   "double (or halve) the class, then bisect to within 10 %%")
    b.add_argument("--ramp", type=float, default=30.0, help="seconds over which the students start")
    b.add_argument("--think-min", type=float, default=5.0, help="shortest pause between two steps, seconds")
    b.add_argument("--think-max", type=float, default=15.0, help="longest pause between two steps, seconds")
    b.add_argument("--log", default="", help="keep the stack's log (the Hub's and the API's JSON lines) in this file")
    b.add_argument("--grader-slots", type=int, default=0, help="c.Grader.concurrency of each API worker (default: the API's, cores / workers)")
    b.add_argument("--auth-cache", type=int, default=0, help="c.TutorAPI.auth_cache_seconds (default: the API's, 10 s; longer means fewer Hub checks, later revocation)")
    b.add_argument("--workers", type=int, default=0, help="API worker processes (default: the API's own, one per core)")
    b = benches.add_parser("request-cost", help="API CPU per request of the endpoints a lab session uses (grading apart), one worker")
    b.add_argument("--requests", type=int, default=400)
    b.add_argument("--clients", type=int, default=8)
    b.add_argument("--json", action="store_true", help="machine-readable output")
    b.add_argument("--py-spy", default="", help="record the worker with py-spy during each phase into FILE.<method>-<path> (raw format)")
    b = benches.add_parser("lti-day", help="a scripted course day through LTI 1.3 launches and grade passback, with an LMS outage (starts its own stack; from a source checkout)")
    b.add_argument("--students", type=int, default=8)
    b.add_argument("--outage", type=float, default=20.0, help="seconds the LMS is down at midday")
    b.add_argument("--poll", type=float, default=1.0, help="the API's passback poll interval, seconds (deployments: 10)")
    b.add_argument("--retry", type=float, default=1.0, help="the first retry pause, seconds (deployments: 30)")
    b = benches.add_parser("submissions", help="POST /submissions alone, end to end, at 32 and 8 clients: submissions/s, p50/p95/p99, CPU per submission")
    b.add_argument("--requests", type=int, default=600, help="submissions per concurrency level")
    b.add_argument("--concurrency", type=int, nargs="+", default=[32, 8], help="clients at once, one row each")
    b.add_argument("--workers", type=int, default=0, help="API worker processes (default: the API's own, one per core)")
    b.add_argument("--json", action="store_true", help="machine-readable output")
    b = benches.add_parser("kernels", help="kernel start over TCP and over IPC, and the classroom's per-spawn mounts (as root)")
    b.add_argument("--rounds", type=int, default=7)
    b = benches.add_parser("course-views", help="what per-course scope (course.toml groups) costs a request: view lookup against bank.get")
    b.add_argument("--courses", type=int, default=4)
    b.add_argument("--per-course", type=int, default=10, help="exercises in each course folder")
    b.add_argument("--students", type=int, default=2000, help="distinct group lists asking")
    b.add_argument("--requests", type=int, default=200_000)
