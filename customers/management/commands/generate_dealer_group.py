from django.core.management.base import BaseCommand, CommandError

from customers.generation import DEFAULT_SEED, generate_dealer_group


class Command(BaseCommand):
    help = (
        "Build the dealer-group data set for benchmarks (scale 1: 50 stores, 1M customers, "
        "1.2M vehicles, 5M repair orders, ~10M return-visit follow-ups with ~12M call attempts) "
        "with COPY. Idempotent: stores grp-001… that are complete are left alone; a larger scale "
        "tops them up."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, required=True, help="1 = the full dealer group")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)

    def handle(self, *args, scale, seed, **options):
        if scale <= 0:
            raise CommandError("--scale must be positive")

        def log(message):
            if options["verbosity"] >= 2:
                self.stderr.write(message)

        result = generate_dealer_group(scale, seed=seed, log=log)
        for name in ("stores", "customers", "vehicles", "repair_orders", "followups", "call_attempts", "complaints", "appointments",
                     "walk_ins", "seconds"):
            self.stdout.write(f"{name}: {result[name]}")
