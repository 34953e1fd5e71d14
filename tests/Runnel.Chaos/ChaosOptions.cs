using System.Globalization;

namespace Runnel.Chaos;

/// <summary>The harness's command line; every field has a default except none.</summary>
internal sealed record ChaosOptions
{
    public const string Usage = """
        Runnel chaos harness: real runnel-silo processes, a seeded nemesis, a checker over the recorded history.

          dotnet run -c Release --project tests/Runnel.Chaos -- [options]

          --duration <s>      how long producers and the nemesis run (default 60)
          --silos <n>         silo processes (default 3, at least 2)
          --store <kind>      file | azurite (default file)
          --seed <n>          the nemesis's and the workload's seed (default: random, printed)
          --partitions <n>    partitions of the topic (default 8)
          --producers <n>     idempotent producers (default 4)
          --rate <n>          records per second per producer (default 200)
          --keys <n>          distinct keys (default 64)
          --consumer <kind>   group (2 members of a consumer group, committing by hand; checks the commits) |
                              manual (one consumer assigned every partition, no commits) (default group)
          --workload <kind>   produce (idempotent producers, the consumer above) |
                              eos (the same, plus an exactly-once job: a process that copies the topic to chaos-out in
                              transactions — consume, produce, commit the input offsets in the transaction — killed -9 and
                              restarted by the nemesis; checks chaos-out holds every input record exactly once, in order
                              per key, and that a read_committed reader never saw an aborted record) |
                              compact (a compacted topic — cleanup.policy=compact, 4 KiB segments, dirty ratio 0.01,
                              tombstones kept 10 s — written with keys drawn from --keys, 10% tombstones; the silos'
                              cleaner every 4 s and the harness's CompactTopic every 3 s run under the nemesis; the
                              consumer is manual; checks, reading the topic raw from offset 0, that every key's latest
                              surviving record is its latest acknowledged write or a later one, that no key whose latest
                              write was a value is missing, every batch CRC and strictly increasing offsets; the
                              lost/gap/commit checks do not apply to compacted data) (default produce)
          --keep              keep the run directory (silo logs, data) even when the run passes
          --json              print a JSON summary as the last line

        Exit codes: 0 every invariant held; 1 an invariant failed (the seed to replay is printed); 2 bad options;
        3 the harness could not run (e.g. a silo would not start).
        """;

    public int DurationSeconds { get; init; } = 60;

    public int Silos { get; init; } = 3;

    public string Store { get; init; } = "file";

    public int Seed { get; init; }

    public int Partitions { get; init; } = 8;

    public int Producers { get; init; } = 4;

    public int RecordsPerSecond { get; init; } = 200;

    public int Keys { get; init; } = 64;

    /// <summary><c>group</c> or <c>manual</c>: which <see cref="Workload.IChaosConsumer"/> consumes the topic.</summary>
    public string Consumer { get; init; } = "group";

    /// <summary><c>produce</c>, <c>eos</c> or <c>compact</c> (see <see cref="Usage"/>).</summary>
    public string Workload { get; init; } = "produce";

    public bool Keep { get; init; }

    public bool Json { get; init; }

    /// <summary>Parses <paramref name="args"/>; null with <paramref name="error"/> set when they are not valid (or
    /// <c>--help</c> was asked, with an empty error).</summary>
    public static ChaosOptions? Parse(IReadOnlyList<string> args, out string error)
    {
        var options = new ChaosOptions { Seed = Random.Shared.Next(1, int.MaxValue) };
        error = "";
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                return null;
            }

            if (name is "--json" or "--keep")
            {
                options = name == "--json" ? options with { Json = true } : options with { Keep = true };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                error = $"Option '{name}' needs a value.";
                return null;
            }

            var value = args[++i];
            int Number(int min)
            {
                return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
                    ? n
                    : throw new FormatException($"Option '{name}' must be a whole number of at least {min} (was '{value}').");
            }

            try
            {
                options = name switch
                {
                    "--duration" => options with { DurationSeconds = Number(10) },
                    "--silos" => options with { Silos = Number(2) },
                    "--store" => value is "file" or "azurite" ? options with { Store = value } : throw new FormatException($"Option '--store' must be 'file' or 'azurite' (was '{value}')."),
                    "--seed" => options with { Seed = Number(0) },
                    "--partitions" => options with { Partitions = Number(1) },
                    "--producers" => options with { Producers = Number(1) },
                    "--rate" => options with { RecordsPerSecond = Number(1) },
                    "--keys" => options with { Keys = Number(1) },
                    "--workload" => value is "produce" or "eos" or "compact" ? options with { Workload = value } : throw new FormatException($"Option '--workload' must be 'produce', 'eos' or 'compact' (was '{value}')."),
                    "--consumer" => value is "group" or "manual" ? options with { Consumer = value } : throw new FormatException($"Option '--consumer' must be 'group' or 'manual' (was '{value}')."),
                    _ => throw new FormatException($"Unknown option '{name}'. Run with --help for the list."),
                };
            }
            catch (FormatException ex)
            {
                error = ex.Message;
                return null;
            }
        }

        return options;
    }
}
