using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Runnel.Client;
using Spectre.Console;

namespace Runnel.Cli.Commands;

/// <summary><c>transactions list|describe</c>: the cluster's transactional ids and their open transactions.</summary>
internal static class TransactionsCommands
{
    private static readonly string[] ListColumns = ["TRANSACTIONAL-ID", "PRODUCER-ID", "EPOCH", "STATE", "TIMEOUT", "STARTED", "PARTITIONS", "GROUPS"];

    public static Command Build(GlobalOptions globals, CliIO io)
    {
        var transactions = new Command("transactions", "List transactional ids and describe their open transactions.");
        transactions.Subcommands.Add(List(globals, io));
        transactions.Subcommands.Add(Describe(globals, io));
        return transactions;
    }

    private static Command List(GlobalOptions globals, CliIO io)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON array of objects (transactional_id, producer_id, epoch, state, timeout_ms, started, partitions, groups)." };
        var command = new Command("list", "List transactional ids, one row each: producer, epoch, state, and the open transaction's size (\"No transactional ids.\" on stderr when there are none).") { json };
        command.SetAction(async (parse, ct) =>
        {
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var list = await connection.Admin.ListTransactionsAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await io.Out.WriteLineAsync(ToJson(list)).ConfigureAwait(false);
                return 0;
            }

            if (list.Count == 0)
            {
                await io.Error.WriteLineAsync("No transactional ids.").ConfigureAwait(false);
                return 0;
            }

            var rows = list.Select(d => new[]
            {
                d.TransactionalId, Str(d.ProducerId), Str(d.ProducerEpoch), d.State.ToString(), Seconds(d.Timeout), Started(d.StartedAt), Str(d.Partitions.Count), Str(d.Groups.Count),
            }).ToList();
            await WriteTableAsync(io, ListColumns, rows).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Describe(GlobalOptions globals, CliIO io)
    {
        var id = new Argument<string>("transactional-id") { Description = "The transactional id (a producer's --transactional-id)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (transactional_id, producer_id, epoch, state, timeout_ms, started, partitions, groups)." };
        var command = new Command("describe", "Show a transactional id's producer, epoch and state, and the open transaction's partitions and groups.") { id, json };
        command.SetAction(async (parse, ct) =>
        {
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var d = await connection.Admin.DescribeTransactionAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await io.Out.WriteLineAsync(ToJson([d])[1..^1]).ConfigureAwait(false);
                return 0;
            }

            var header = $"Transactional id: {d.TransactionalId}\tProducer: {Str(d.ProducerId)}\tEpoch: {Str(d.ProducerEpoch)}\tState: {d.State}\tTimeout: {Seconds(d.Timeout)}\tStarted: {Started(d.StartedAt)}";
            var rows = d.Partitions.Select(p => new[] { p.Topic, Str(p.Partition) }).ToList();
            if (io.IsOutputTerminal)
            {
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(io.Out) });
                console.MarkupLine(Markup.Escape(header));
            }
            else
            {
                await io.Out.WriteLineAsync(header).ConfigureAwait(false);
            }

            await WriteTableAsync(io, ["TOPIC", "PARTITION"], rows).ConfigureAwait(false);
            await io.Out.WriteLineAsync($"Groups: {(d.Groups.Count == 0 ? "-" : string.Join(", ", d.Groups))}").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>A Spectre table on a terminal; tab-separated lines under a header otherwise (as <c>groups describe</c>).</summary>
    private static async Task WriteTableAsync(CliIO io, string[] columns, List<string[]> rows)
    {
        if (io.IsOutputTerminal)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(io.Out) });
            var table = new Table().AddColumns(columns);
            foreach (var row in rows)
            {
                table.AddRow(row.Select(Markup.Escape).ToArray());
            }

            console.Write(table);
            return;
        }

        await io.Out.WriteLineAsync(string.Join('\t', columns)).ConfigureAwait(false);
        foreach (var row in rows)
        {
            await io.Out.WriteLineAsync(string.Join('\t', row)).ConfigureAwait(false);
        }
    }

    private static string ToJson(IReadOnlyList<TransactionDescription> list)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var d in list)
            {
                writer.WriteStartObject();
                writer.WriteString("transactional_id", d.TransactionalId);
                writer.WriteNumber("producer_id", d.ProducerId);
                writer.WriteNumber("epoch", d.ProducerEpoch);
                writer.WriteString("state", d.State.ToString());
                writer.WriteNumber("timeout_ms", (long)d.Timeout.TotalMilliseconds);
                JsonText.WriteStringOrNull(writer, "started", d.StartedAt);
                JsonText.WriteTopicPartitions(writer, "partitions", d.Partitions);
                writer.WriteStartArray("groups");
                foreach (var g in d.Groups)
                {
                    writer.WriteStringValue(g);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan value) => string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.###} s");

    private static string Started(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) : "-";
}
