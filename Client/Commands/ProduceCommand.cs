using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Runnel.Client;

namespace Runnel.Cli.Commands;

/// <summary><c>produce TOPIC</c>: one record per line of stdin.</summary>
internal static class ProduceCommand
{
    public static Command Build(GlobalOptions globals, CliIO io)
    {
        var topic = new Argument<string>("topic") { Description = "The topic to produce to." };
        var separator = new Option<string?>("--key-separator", "-K") { Description = "Split each line into key and value at the first SEP (lines without it fail)." };
        var partition = new Option<int?>("--partition", "-p") { Description = "Produce to this partition (default: murmur2 of the key, sticky for no key)." };
        var headers = new Option<string[]>("--header", "-H") { Description = "A header on every record, key=value; repeatable." };
        var compression = new Option<CompressionType>("--compression") { Description = "Batch codec.", DefaultValueFactory = _ => CompressionType.None };
        var command = new Command("produce", "Produce the lines of stdin as records; prints a summary to stderr.") { topic, separator, partition, headers, compression };
        command.SetAction(async (parse, ct) =>
        {
            var sep = parse.GetValue(separator);
            if (sep is { Length: 0 })
            {
                throw new CliException("--key-separator must not be empty.");
            }

            var headerPairs = KeyValueArgs.Parse(parse.GetValue(headers), "--header");
            var name = parse.GetValue(topic)!;
            var explicitPartition = parse.GetValue(partition);
            if (explicitPartition < 0)
            {
                throw new CliException($"--partition must not be negative (was {explicitPartition}).");
            }

            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { Compression = parse.GetValue(compression) });
            long delivered = 0, failed = 0, lineNumber = 0;
            RunnelException? firstError = null;
            var clock = Stopwatch.StartNew();
            using var progress = new ProgressReporter(io, "produced");
            await using (producer.ConfigureAwait(false))
            {
                while (await io.In.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
                {
                    lineNumber++;
                    string? key = null;
                    var value = line;
                    if (sep is not null)
                    {
                        var at = line.IndexOf(sep, StringComparison.Ordinal);
                        if (at < 0)
                        {
                            await producer.FlushAsync(ct).ConfigureAwait(false);
                            throw new CliException($"line {lineNumber.ToString(CultureInfo.InvariantCulture)} has no key separator '{sep}'.");
                        }

                        key = line[..at];
                        value = line[(at + sep.Length)..];
                    }

                    Headers? recordHeaders = null;
                    if (headerPairs.Count > 0)
                    {
                        recordHeaders = new Headers();
                        foreach (var (k, v) in headerPairs)
                        {
                            recordHeaders.Add(k, v);
                        }
                    }

                    var message = new Message<string, string> { Key = key, Value = value, Headers = recordHeaders };
                    await producer.EnqueueAsync(name, message, report =>
                    {
                        if (report.IsSuccess)
                        {
                            Interlocked.Increment(ref delivered);
                        }
                        else
                        {
                            Interlocked.Increment(ref failed);
                            Interlocked.CompareExchange(ref firstError, report.Error, null);
                        }
                    }, explicitPartition ?? -1, ct).ConfigureAwait(false);
                    progress.Tick(Interlocked.Read(ref delivered));
                }

                await producer.FlushAsync(ct).ConfigureAwait(false);
            }

            var seconds = clock.Elapsed.TotalSeconds;
            await io.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Produced {delivered} records to {name} in {seconds:F2} s ({delivered / Math.Max(seconds, 1e-6):F0} records/s){(failed > 0 ? $"; {failed} failed" : "")}."))
                .ConfigureAwait(false);
            if (firstError is not null)
            {
                throw firstError;
            }

            return 0;
        });
        return command;
    }
}
