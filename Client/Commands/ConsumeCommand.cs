using System.Buffers;
using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Runnel.Client;

namespace Runnel.Cli.Commands;

/// <summary><c>consume TOPIC</c>: prints records to stdout, one per line; with <c>--group</c> as a member of a consumer
/// group, committing what it printed before it exits.</summary>
internal static class ConsumeCommand
{
    public static Command Build(GlobalOptions globals, CliIO io)
    {
        var topic = new Argument<string>("topic") { Description = "The topic to consume." };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at each partition's log start (default: only new records)." };
        var partition = new Option<int?>("--partition", "-p") { Description = "Consume only this partition." };
        var offset = new Option<long?>("--offset") { Description = "Start at this offset (needs --partition)." };
        var fromTimestamp = new Option<string?>("--from-timestamp") { Description = "Start at the first record at or after T (ISO-8601 or Unix ms)." };
        var maxMessages = new Option<long?>("--max-messages", "-n") { Description = "Exit after this many records." };
        var timeout = new Option<double?>("--timeout") { Description = "Exit after this many seconds without a new record." };
        var format = new Option<string>("--format", "-f")
        {
            Description = "Output template: %k key, %v value, %p partition, %o offset, %t timestamp (ms), %h headers, %T topic, %K changelog row kind (+I -U +U -D, empty when none), %% percent; \\t \\n \\\\ escapes. Printed as is for each record (end it with \\n for one record per line).",
            DefaultValueFactory = _ => "%v\\n",
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object per record instead of --format (keys and values as strings: UTF-8 text when they are valid UTF-8, "
                + "else base64 with \"key_encoding\"/\"value_encoding\": \"base64\"; or in --output-format hex|base64).",
        };
        var outputFormat = new Option<BinaryEncoding>("--output-format")
        {
            Description = "How %k, %v and header values are printed: raw (the stored bytes exactly, the default), hex or base64.",
            DefaultValueFactory = _ => BinaryEncoding.Raw,
        };
        var group = new Option<string?>("--group", "-g")
        {
            Description = "Consume as a member of this consumer group: partitions are shared with the group's other members, reading starts at the "
                + "group's committed offsets (else --from-beginning or the end), and what was printed is committed before exiting.",
        };
        var isolation = new Option<string?>("--isolation")
        {
            Description = "read_committed (the default): only committed transactions' records, aborted ones skipped, nothing past an open transaction; "
                + "read_uncommitted: every record up to the high watermark.",
        };
        var command = new Command("consume", "Print a topic's records to stdout.")
        {
            topic, fromBeginning, partition, offset, fromTimestamp, maxMessages, timeout, format, json, outputFormat, group, isolation,
        };
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(topic)!;
            var template = RecordFormat.Parse(parse.GetValue(format)!);
            var printer = new RecordPrinter(template, parse.GetValue(json), parse.GetValue(outputFormat));
            var onlyPartition = parse.GetValue(partition);
            var startOffset = parse.GetValue(offset);
            var startTime = parse.GetValue(fromTimestamp) is { } t ? TimestampArg.Parse(t) : (DateTimeOffset?)null;
            var max = parse.GetValue(maxMessages);
            var idle = parse.GetValue(timeout);
            if (startOffset is not null && onlyPartition is null)
            {
                throw new CliException("--offset needs --partition.");
            }

            if (new[] { startOffset is not null, startTime is not null, parse.GetValue(fromBeginning) }.Count(x => x) > 1)
            {
                throw new CliException("Choose one of --offset, --from-timestamp and --from-beginning.");
            }

            if (startOffset < 0 || max <= 0 || idle <= 0 || onlyPartition < 0)
            {
                throw new CliException("--offset and --partition must not be negative; --max-messages and --timeout must be positive.");
            }

            var isolationLevel = ParseIsolation(parse.GetValue(isolation));
            var groupId = parse.GetValue(group);
            if (groupId is not null && (onlyPartition is not null || startOffset is not null || startTime is not null))
            {
                throw new CliException("--group takes no --partition, --offset or --from-timestamp: the group assigns partitions and starts at its committed offsets (use groups reset-offsets).");
            }

            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            if (groupId is not null)
            {
                return await ConsumeGroupAsync(connection, io, name, groupId, parse.GetValue(fromBeginning), max, idle, printer, isolationLevel, ct).ConfigureAwait(false);
            }

            var description = await connection.Admin.DescribeTopicAsync(name, ct).ConfigureAwait(false);
            if (onlyPartition >= description.PartitionCount)
            {
                throw new CliException($"Topic {name} has {Plural.Of(description.PartitionCount, "partition")}; there is no partition {onlyPartition}.");
            }

            var partitions = onlyPartition is { } only
                ? [new TopicPartition(name, only)]
                : Enumerable.Range(0, description.PartitionCount).Select(p => new TopicPartition(name, p)).ToList();
            var start = startOffset ?? (parse.GetValue(fromBeginning) ? Offset.Beginning : Offset.End);
            await using var consumer = connection.CreateConsumer<byte[], byte[]>(ConsumerOptions.Default with { AutoOffsetReset = AutoOffsetReset.Latest, IsolationLevel = isolationLevel });
            consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, start)));
            if (startTime is { } time)
            {
                foreach (var p in partitions)
                {
                    await consumer.SeekToTimestampAsync(p, time, ct).ConfigureAwait(false);
                }
            }

            var (count, idledOut) = await PrintAsync(consumer, io, max, idle, printer, ct).ConfigureAwait(false);
            await io.Output.FlushAsync(ct).ConfigureAwait(false);
            ThrowIfIdledOutDisconnected(connection, idledOut, idle, count, name);
            await io.Error.WriteLineAsync($"Consumed {Plural.Of(count, "record")} from {name}.").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>--isolation's value (Kafka's spelling, case-insensitive); the consumer's default when absent.</summary>
    private static IsolationLevel ParseIsolation(string? value) => value?.ToLowerInvariant() switch
    {
        null => ConsumerOptions.Default.IsolationLevel,
        "read_committed" => IsolationLevel.ReadCommitted,
        "read_uncommitted" => IsolationLevel.ReadUncommitted,
        _ => throw new CliException($"--isolation must be read_committed or read_uncommitted (was '{value}')."),
    };

    /// <summary>Consumes as a group member; commits the positions of what was printed (after flushing it) on every exit.</summary>
    private static async Task<int> ConsumeGroupAsync(
        RunnelConnection connection, CliIO io, string topic, string groupId, bool fromBeginning, long? max, double? idle, RecordPrinter printer, IsolationLevel isolationLevel, CancellationToken ct)
    {
        await connection.Admin.DescribeTopicAsync(topic, ct).ConfigureAwait(false); // an unknown topic fails here, naming it
        await using var consumer = connection.CreateConsumer<byte[], byte[]>(ConsumerOptions.Default with
        {
            GroupId = groupId,
            ClientId = "runnel-cli",
            AutoOffsetReset = fromBeginning ? AutoOffsetReset.Earliest : AutoOffsetReset.Latest,
            IsolationLevel = isolationLevel,
        });
        consumer.Subscribe([topic]);
        long count;
        bool idledOut;
        try
        {
            (count, idledOut) = await PrintAsync(consumer, io, max, idle, printer, ct).ConfigureAwait(false);
        }
        finally
        {
            // what was printed is committed on every way out (closing the consumer commits too, on Ctrl-C included)
            await io.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }

        ThrowIfIdledOutDisconnected(connection, idledOut, idle, count, topic);

        var committed = await consumer.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        await io.Error.WriteLineAsync($"Consumed {Plural.Of(count, "record")} from {topic} as group {groupId}; committed {Plural.Of(committed.Count, "partition")}.").ConfigureAwait(false);
        return 0;
    }

    /// <summary>"No new record for --timeout seconds" means the topic had nothing new only if the cluster could be asked:
    /// when the connection is down at that moment, the command fails with <see cref="RunnelErrorCode.ConnectionLost"/>
    /// (exit code 1) instead of ending as if it had read everything.</summary>
    private static void ThrowIfIdledOutDisconnected(RunnelConnection connection, bool idledOut, double? idle, long count, string topic)
    {
        if (idledOut && !connection.IsConnected)
        {
            throw new RunnelException(RunnelErrorCode.ConnectionLost,
                $"No record for {idle} s and the cluster is unreachable ({connection.Endpoint}): {Plural.Of(count, "record")} consumed from {topic} before that; the rest were not read.",
                isRetriable: true);
        }
    }

    /// <summary>Prints records until <paramref name="max"/> were printed, <paramref name="idle"/> seconds pass without
    /// one, or <paramref name="ct"/> fires (which propagates); returns how many were printed, and whether it ended
    /// because <paramref name="idle"/> passed.</summary>
    private static async Task<(long Count, bool IdledOut)> PrintAsync(
        IConsumer<byte[], byte[]> consumer, CliIO io, long? max, double? idle, RecordPrinter printer, CancellationToken ct)
    {
        using var idleCancellation = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (idle is { } seconds)
        {
            idleCancellation.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        long count = 0;
        using var progress = new ProgressReporter(io with { IsErrorTerminal = io.IsErrorTerminal && !io.IsOutputTerminal }, "consumed");
        try
        {
            await foreach (var record in consumer.ConsumeAsync(idleCancellation.Token).ConfigureAwait(false))
            {
                await io.Output.WriteAsync(printer.Render(record), ct).ConfigureAwait(false);
                count++;
                progress.Tick(count);
                if (count >= max)
                {
                    break;
                }

                if (idle is { } again)
                {
                    idleCancellation.CancelAfter(TimeSpan.FromSeconds(again));
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // --timeout passed without a new record
            return (count, true);
        }

        return (count, false);
    }

    internal static string ToJson(ConsumeResult<byte[], byte[]> record, BinaryEncoding encoding = BinaryEncoding.Raw)
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteJson(record, encoding, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>One record as a JSON object (no newline): keys, values and header values as strings in
    /// <paramref name="encoding"/>; under <see cref="BinaryEncoding.Raw"/> bytes that are not valid UTF-8 are written in
    /// base64 with a <c>NAME_encoding: "base64"</c> member beside them rather than altered.</summary>
    internal static void WriteJson(ConsumeResult<byte[], byte[]> record, BinaryEncoding encoding, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("topic", record.Topic);
        writer.WriteNumber("partition", record.Partition);
        writer.WriteNumber("offset", record.Offset);
        writer.WriteNumber("timestamp", record.Message.Timestamp!.Value.ToUnixTimeMilliseconds());
        WriteBytes(writer, "key", record.Message.Key, encoding);
        WriteBytes(writer, "value", record.Message.Value, encoding);
        writer.WriteStartObject("headers");
        foreach (var header in record.Message.Headers ?? [])
        {
            WriteBytes(writer, header.Key, header.Value, encoding);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteBytes(Utf8JsonWriter writer, string name, byte[]? bytes, BinaryEncoding encoding)
    {
        if (bytes is null)
        {
            writer.WriteNull(name);
        }
        else if (encoding == BinaryEncoding.Hex)
        {
            writer.WriteString(name, Convert.ToHexStringLower(bytes));
        }
        else if (encoding == BinaryEncoding.Base64 || !Utf8.IsValid(bytes))
        {
            writer.WriteBase64String(name, bytes);
            if (encoding == BinaryEncoding.Raw)
            {
                writer.WriteString(name + "_encoding", "base64");
            }
        }
        else
        {
            writer.WriteString(name, bytes);
        }
    }

    /// <summary>Renders records for stdout into one reused buffer: the template (or JSON and a newline) in an output
    /// encoding. The returned memory is valid until the next call; not thread-safe.</summary>
    private sealed class RecordPrinter(RecordFormat template, bool asJson, BinaryEncoding encoding)
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(4096);

        public ReadOnlyMemory<byte> Render(ConsumeResult<byte[], byte[]> record)
        {
            _buffer.ResetWrittenCount();
            if (asJson)
            {
                WriteJson(record, encoding, _buffer);
                _buffer.Write("\n"u8);
            }
            else
            {
                template.Render(record, encoding, _buffer);
            }

            return _buffer.WrittenMemory;
        }
    }
}
