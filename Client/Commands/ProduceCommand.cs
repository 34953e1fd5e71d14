using System.Buffers;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Runnel.Client;

namespace Runnel.Cli.Commands;

/// <summary><c>produce TOPIC</c>: one record per line of stdin (or per <c>--delimiter</c>), byte for byte; or one record
/// holding a whole file (<c>--value-file</c>). Ends with a summary on stderr of what was produced and what was not.</summary>
internal static class ProduceCommand
{
    /// <summary>How many skipped lines are named one by one on stderr before the rest are only counted.</summary>
    private const int SkippedLinesNamed = 10;

    public static Command Build(GlobalOptions globals, CliIO io)
    {
        var topic = new Argument<string>("topic") { Description = "The topic to produce to." };
        var separator = new Option<string?>("--key-separator", "-K") { Description = "Split each record into key and value at the first SEP (escapes \\t \\n \\0 \\xHH; a record without it is a bad line)." };
        var delimiter = new Option<string>("--delimiter", "-D")
        {
            Description = "The bytes that end each record on stdin (escapes \\n \\r \\t \\0 \\\\ \\xHH); everything between two delimiters is produced exactly, \\r included.",
            DefaultValueFactory = _ => "\\n",
        };
        var key = new Option<string?>("--key", "-k") { Description = "The key of every record, as UTF-8 text (instead of --key-separator)." };
        var valueFile = new Option<string?>("--value-file") { Description = "Produce one record whose value is this file's bytes, whole ('-' for all of stdin)." };
        var inputFormat = new Option<BinaryEncoding>("--input-format")
        {
            Description = "How keys and values are written on stdin: raw (the bytes as they are, the default), hex or base64.",
            DefaultValueFactory = _ => BinaryEncoding.Raw,
        };
        var skipBad = new Option<bool>("--skip-bad-lines")
        {
            Description = "Skip a bad line (no key separator, bad hex/base64) and go on; skipped lines are reported at the end and the exit code stays 0. "
                + "Without it, the first bad line stops the produce (exit code 2) and neither it nor any line after it is produced.",
        };
        var partition = new Option<int?>("--partition", "-p") { Description = "Produce to this partition (default: murmur2 of the key, sticky for no key)." };
        var headers = new Option<string[]>("--header", "-H") { Description = "A header on every record, key=value; repeatable." };
        var compression = new Option<CompressionType>("--compression") { Description = "Batch codec.", DefaultValueFactory = _ => CompressionType.None };
        var maxRequestSize = new Option<int?>("--max-request-size")
        {
            Description = "The largest batch (and so record) sent, in bytes (default: the topic's max.message.bytes; at most 64 MiB + 64 KiB).",
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print the summary as one JSON object on stdout (produced, failed, skipped, skipped_lines, stopped_at_line, error; committed and transactions with --transactional-id).",
        };
        var transactionalId = new Option<string?>("--transactional-id")
        {
            Description = "Produce transactionally under this id: the whole input is one transaction (or every --transaction-size records one), committed at its end; "
                + "read_committed consumers see nothing of it before. A bad line or a failed record aborts the open transaction.",
        };
        var transactionSize = new Option<int?>("--transaction-size") { Description = "With --transactional-id: commit every N records (default: one transaction for the whole input)." };
        var command = new Command("produce", "Produce the records of stdin, byte for byte; prints a summary to stderr.")
        {
            topic, separator, delimiter, key, valueFile, inputFormat, skipBad, partition, headers, compression, maxRequestSize, json, transactionalId, transactionSize,
        };
        command.SetAction(async (parse, ct) =>
        {
            var request = new ProduceRequest(
                parse.GetValue(topic)!,
                parse.GetValue(separator) is { } sep ? DelimiterArg.Parse(sep, "--key-separator") : null,
                DelimiterArg.Parse(parse.GetValue(delimiter)!, "--delimiter"),
                parse.GetValue(key) is { } k ? Encoding.UTF8.GetBytes(k) : null,
                parse.GetValue(inputFormat),
                parse.GetValue(skipBad),
                KeyValueArgs.Parse(parse.GetValue(headers), "--header"));
            var explicitPartition = parse.GetValue(partition);
            if (explicitPartition < 0)
            {
                throw new CliException($"--partition must not be negative (was {explicitPartition}).");
            }

            if (request.Separator is not null && request.Key is not null)
            {
                throw new CliException("Choose one of --key and --key-separator.");
            }

            var file = parse.GetValue(valueFile);
            if (file is not null && (request.Separator is not null || parse.GetResult(delimiter) is { Implicit: false }))
            {
                throw new CliException("--value-file produces one whole record: it takes no --key-separator or --delimiter (use --key).");
            }

            if (file is not null && file != "-" && !File.Exists(file))
            {
                throw new CliException($"--value-file '{file}' does not exist.");
            }

            var txId = parse.GetValue(transactionalId);
            var txSize = parse.GetValue(transactionSize);
            if (txSize is not null && txId is null)
            {
                throw new CliException("--transaction-size needs --transactional-id.");
            }

            if (txSize is < 1)
            {
                throw new CliException($"--transaction-size must be at least 1 (was {txSize}).");
            }

            if (txId is not null && !Grains.TopicName.IsValid(txId, out _))
            {
                throw new CliException($"--transactional-id '{txId}' is not valid: it must be 1 to {Grains.TopicName.MaxLength} characters of [a-zA-Z0-9._-], and not '.' or '..'.");
            }

            var requested = parse.GetValue(maxRequestSize);
            if (requested is < 1024 or > Log.Batches.RecordBatch.MaxBatchBytes)
            {
                throw new CliException($"--max-request-size must be between 1024 and {Log.Batches.RecordBatch.MaxBatchBytes} (was {requested}).");
            }

            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var options = await ProducerOptionsAsync(connection, request.Topic, requested, parse.GetValue(compression), ct).ConfigureAwait(false);
            var producer = connection.CreateProducer<byte[], byte[]>(options with { TransactionalId = txId });
            var outcome = new ProduceOutcome { Transactional = txId is not null };
            var clock = Stopwatch.StartNew();
            await using (producer.ConfigureAwait(false))
            {
                if (txId is not null)
                {
                    await producer.InitTransactionsAsync(ct).ConfigureAwait(false);
                    producer.BeginTransaction();
                }

                using var sink = new RecordSink(producer, request, explicitPartition ?? -1, outcome, io, txId is null ? 0 : txSize ?? int.MaxValue);
                if (file is not null)
                {
                    var bytes = file == "-" ? await ReadAllAsync(io.In, ct).ConfigureAwait(false) : await File.ReadAllBytesAsync(file, ct).ConfigureAwait(false);
                    await sink.AcceptAsync(new ReadOnlySequence<byte>(bytes), ct).ConfigureAwait(false);
                }
                else
                {
                    await SplitAsync(io.In, request.Delimiter, sink, ct).ConfigureAwait(false);
                }

                if (txId is null)
                {
                    await producer.FlushAsync(ct).ConfigureAwait(false);
                }
                else
                {
                    await sink.EndAsync(ct).ConfigureAwait(false);
                }
            }

            return await ReportAsync(io, request, outcome, clock.Elapsed.TotalSeconds, parse.GetValue(json)).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The producer's options: batches as large as <paramref name="maxRequestSize"/>, or else as the topic's
    /// <c>max.message.bytes</c> allows (never below the library's default), with the buffer memory to hold two.</summary>
    private static async Task<ProducerOptions> ProducerOptionsAsync(RunnelConnection connection, string topic, int? maxRequestSize, CompressionType compression, CancellationToken ct)
    {
        var defaults = ProducerOptions.Default;
        var size = maxRequestSize ?? Math.Max(defaults.MaxRequestSize, await TopicMaxMessageBytesAsync(connection, topic, ct).ConfigureAwait(false));
        return defaults with
        {
            Compression = compression,
            MaxRequestSize = size,
            BatchSize = Math.Min(defaults.BatchSize, size),
            BufferMemory = Math.Max(defaults.BufferMemory, 2L * size),
        };
    }

    private static async Task<int> TopicMaxMessageBytesAsync(RunnelConnection connection, string topic, CancellationToken ct)
    {
        var description = await connection.Admin.DescribeTopicAsync(topic, ct).ConfigureAwait(false);
        return description.Config.TryGetValue("max.message.bytes", out var text) && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes)
            ? Math.Min(bytes, Log.Batches.RecordBatch.MaxBatchBytes)
            : 0;
    }

    /// <summary>Hands <paramref name="sink"/> each record of <paramref name="input"/>: the bytes before each delimiter, and
    /// the bytes after the last one if there are any. Stops early when the sink says so.</summary>
    private static async Task SplitAsync(Stream input, byte[] delimiter, RecordSink sink, CancellationToken ct)
    {
        var reader = PipeReader.Create(input, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(ct).ConfigureAwait(false);
                var buffer = result.Buffer;
                var go = true;
                while (go && TryReadRecord(ref buffer, delimiter, out var record))
                {
                    go = await sink.AcceptAsync(record, ct).ConfigureAwait(false);
                }

                if (go && result.IsCompleted && !buffer.IsEmpty)
                {
                    await sink.AcceptAsync(buffer, ct).ConfigureAwait(false);
                    buffer = buffer.Slice(buffer.End);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (!go || result.IsCompleted)
                {
                    return;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Takes the bytes before the next delimiter off the front of <paramref name="buffer"/> (and the delimiter);
    /// false when no whole record is buffered yet.</summary>
    private static bool TryReadRecord(ref ReadOnlySequence<byte> buffer, byte[] delimiter, out ReadOnlySequence<byte> record)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadTo(out record, delimiter, advancePastDelimiter: true))
        {
            buffer = buffer.Slice(reader.Position);
            return true;
        }

        return false;
    }

    private static async Task<byte[]> ReadAllAsync(Stream input, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer, ct).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Says on stderr (or as JSON on stdout) what was produced and what was not; returns the exit code: 0, 2 when
    /// a bad line stopped the produce, and 1 (by throwing the first delivery error) when records failed.</summary>
    private static async Task<int> ReportAsync(CliIO io, ProduceRequest request, ProduceOutcome outcome, double seconds, bool asJson)
    {
        var unit = request.Delimiter is [(byte)'\n'] ? "line" : "record";
        var stopped = outcome.StoppedAt is { } at
            ? string.Create(CultureInfo.InvariantCulture, $"{unit} {at} {outcome.StopReason}; stopped there: {unit} {at} and any after it were not produced (--skip-bad-lines skips bad {unit}s and goes on).")
            : null;
        if (asJson)
        {
            await io.Out.WriteLineAsync(SummaryJson(request.Topic, outcome, stopped, seconds)).ConfigureAwait(false);
        }

        var failed = outcome.Failed > 0 ? $"; {Plural.Of(outcome.Failed, "record")} failed" : "";
        var committed = outcome.Transactional
            ? $"; committed {Plural.Of(outcome.Committed, "record")} in {Plural.Of(outcome.Transactions, "transaction")}" + (outcome.Aborted > 0 ? $", aborted {Plural.Of(outcome.Aborted, "record")}" : "")
            : "";
        await io.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Produced {Plural.Of(outcome.Delivered, "record")} to {request.Topic} in {seconds:F2} s ({outcome.Delivered / Math.Max(seconds, 1e-6):F0} records/s){failed}{committed}.")).ConfigureAwait(false);
        if (outcome.Skipped.Count > 0)
        {
            var named = string.Join(", ", outcome.Skipped.Take(SkippedLinesNamed).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Number} ({s.Reason})")));
            var more = outcome.Skipped.Count > SkippedLinesNamed ? ", ..." : "";
            await io.Error.WriteLineAsync($"Skipped {Plural.Of(outcome.Skipped.Count, "bad " + unit)}: {named}{more}.").ConfigureAwait(false);
        }

        if (stopped is not null)
        {
            await io.Error.WriteLineAsync("error: " + stopped).ConfigureAwait(false);
            return RunnelCli.ExitUsage;
        }

        if ((outcome.CommitError ?? outcome.FirstError) is { } error)
        {
            throw error;
        }

        return 0;
    }

    private static string SummaryJson(string topic, ProduceOutcome outcome, string? error, double seconds)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("topic", topic);
            writer.WriteNumber("produced", outcome.Delivered);
            writer.WriteNumber("failed", outcome.Failed);
            writer.WriteNumber("skipped", outcome.Skipped.Count);
            writer.WriteStartArray("skipped_lines");
            foreach (var (number, _) in outcome.Skipped)
            {
                writer.WriteNumberValue(number);
            }

            writer.WriteEndArray();
            if (outcome.StoppedAt is { } at)
            {
                writer.WriteNumber("stopped_at_line", at);
            }
            else
            {
                writer.WriteNull("stopped_at_line");
            }

            if ((error ?? outcome.CommitError?.Message ?? outcome.FirstError?.Message) is { } message)
            {
                writer.WriteString("error", message);
            }
            else
            {
                writer.WriteNull("error");
            }

            if (outcome.Transactional)
            {
                writer.WriteNumber("committed", outcome.Committed);
                writer.WriteNumber("transactions", outcome.Transactions);
                writer.WriteNumber("aborted", outcome.Aborted);
            }

            writer.WriteNumber("seconds", Math.Round(seconds, 3));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>What the command was asked to produce and how to read it.</summary>
    private sealed record ProduceRequest(
        string Topic, byte[]? Separator, byte[] Delimiter, byte[]? Key, BinaryEncoding InputFormat, bool SkipBad, List<KeyValuePair<string, string>> Headers);

    /// <summary>Counts delivered and failed records (from delivery callbacks, hence the interlocked fields), and the
    /// bad lines skipped or stopped at.</summary>
    private sealed class ProduceOutcome
    {
        private long _delivered;
        private long _failed;
        private RunnelException? _firstError;

        public long Delivered => Interlocked.Read(ref _delivered);

        public long Failed => Interlocked.Read(ref _failed);

        public RunnelException? FirstError => Volatile.Read(ref _firstError);

        public List<(long Number, string Reason)> Skipped { get; } = [];

        public long? StoppedAt { get; set; }

        /// <summary>Produced under --transactional-id.</summary>
        public bool Transactional { get; init; }

        /// <summary>Records in committed transactions, and how many transactions.</summary>
        public long Committed { get; set; }

        public long Transactions { get; set; }

        /// <summary>Records of the transaction that was aborted (a bad line, a failed record or commit).</summary>
        public long Aborted { get; set; }

        /// <summary>Why the open transaction could not commit.</summary>
        public RunnelException? CommitError { get; set; }

        public string? StopReason { get; set; }

        public void OnDelivery(DeliveryReport<byte[], byte[]> report)
        {
            if (report.IsSuccess)
            {
                Interlocked.Increment(ref _delivered);
            }
            else
            {
                Interlocked.Increment(ref _failed);
                Interlocked.CompareExchange(ref _firstError, report.Error, null);
            }
        }
    }

    /// <summary>Turns each input record into a message and enqueues it, or records why it is bad.</summary>
    /// <param name="transactionSize">Records per transaction (0: not transactional).</param>
    private sealed class RecordSink(IProducer<byte[], byte[]> producer, ProduceRequest request, int partition, ProduceOutcome outcome, CliIO io, int transactionSize) : IDisposable
    {
        private readonly ProgressReporter _progress = new(io, "produced");
        private long _number;
        private long _inTransaction;

        /// <summary>Ends the open transaction: commits it, or aborts it when a bad line stopped the produce (the input is
        /// all or nothing per transaction) or a commit cannot succeed.</summary>
        public async Task EndAsync(CancellationToken ct)
        {
            if (outcome.StoppedAt is not null || outcome.CommitError is not null)
            {
                await AbortAsync(ct).ConfigureAwait(false);
                return;
            }

            await CommitAsync(ct, again: false).ConfigureAwait(false);
        }

        /// <summary>Commits the open transaction (and begins the next one when <paramref name="again"/>); false when the
        /// commit failed (the transaction is then aborted and the produce stops).</summary>
        private async Task<bool> CommitAsync(CancellationToken ct, bool again)
        {
            try
            {
                await producer.CommitTransactionAsync(ct).ConfigureAwait(false);
            }
            catch (RunnelException ex)
            {
                outcome.CommitError = ex;
                if (ex.Code != RunnelErrorCode.ProducerFenced)
                {
                    await AbortAsync(ct).ConfigureAwait(false);
                }
                else
                {
                    outcome.Aborted += _inTransaction;
                }

                return false;
            }

            if (_inTransaction > 0)
            {
                outcome.Committed += _inTransaction;
                outcome.Transactions++;
            }

            _inTransaction = 0;
            if (again)
            {
                producer.BeginTransaction();
            }

            return true;
        }

        private async Task AbortAsync(CancellationToken ct)
        {
            try
            {
                await producer.AbortTransactionAsync(ct).ConfigureAwait(false);
            }
            catch (RunnelException ex)
            {
                outcome.CommitError ??= ex;
            }

            outcome.Aborted += _inTransaction;
            _inTransaction = 0;
        }

        /// <summary>Enqueues one record; false when it was bad and the produce stops there.</summary>
        public async ValueTask<bool> AcceptAsync(ReadOnlySequence<byte> record, CancellationToken ct)
        {
            _number++;
            var bytes = record.ToArray();
            var key = request.Key;
            var value = bytes;
            string? problem = null;
            if (request.Separator is { } separator)
            {
                var at = bytes.AsSpan().IndexOf(separator);
                if (at < 0)
                {
                    problem = $"has no key separator '{Escape(separator)}'";
                }
                else
                {
                    key = Decode(bytes.AsSpan(0, at), "key", ref problem);
                    value = bytes[(at + separator.Length)..];
                }
            }

            if (problem is null && request.InputFormat != BinaryEncoding.Raw)
            {
                value = Decode(value, "value", ref problem);
            }

            if (problem is not null || value is null)
            {
                if (!request.SkipBad)
                {
                    outcome.StoppedAt = _number;
                    outcome.StopReason = problem;
                    return false;
                }

                outcome.Skipped.Add((_number, problem!));
                return true;
            }

            Headers? headers = null;
            if (request.Headers.Count > 0)
            {
                headers = new Headers();
                foreach (var (k, v) in request.Headers)
                {
                    headers.Add(k, v);
                }
            }

            var message = new Message<byte[], byte[]> { Key = key, Value = value, Headers = headers };
            await producer.EnqueueAsync(request.Topic, message, outcome.OnDelivery, partition, ct).ConfigureAwait(false);
            _progress.Tick(outcome.Delivered);
            if (transactionSize > 0 && ++_inTransaction == transactionSize)
            {
                return await CommitAsync(ct, again: true).ConfigureAwait(false);
            }

            return true;
        }

        public void Dispose() => _progress.Dispose();

        private byte[]? Decode(ReadOnlySpan<byte> text, string what, ref string? problem)
        {
            var decoded = BinaryEncodings.TryDecode(request.InputFormat, text, out var why);
            if (decoded is null)
            {
                problem ??= $"has a {what} that is {why}";
            }

            return decoded;
        }

        private static string Escape(byte[] bytes) =>
            string.Concat(bytes.Select(b => b switch
            {
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                (byte)'\r' => "\\r",
                < 0x20 or >= 0x7F => string.Create(CultureInfo.InvariantCulture, $"\\x{b:x2}"),
                _ => ((char)b).ToString(),
            }));
    }
}
