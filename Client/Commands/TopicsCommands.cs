using System.CommandLine;
using System.Globalization;
using Runnel.Client;
using Spectre.Console;

namespace Runnel.Cli.Commands;

/// <summary><c>topics create|list|describe|alter|delete|add-partitions|delete-records|compact</c>.</summary>
internal static class TopicsCommands
{
    public static Command Build(GlobalOptions globals, CliIO io)
    {
        var topics = new Command("topics", "Create, list, describe, alter and delete topics.");
        topics.Subcommands.Add(Create(globals, io));
        topics.Subcommands.Add(List(globals, io));
        topics.Subcommands.Add(Describe(globals, io));
        topics.Subcommands.Add(Alter(globals, io));
        topics.Subcommands.Add(Delete(globals, io));
        topics.Subcommands.Add(AddPartitions(globals, io));
        topics.Subcommands.Add(DeleteRecords(globals, io));
        topics.Subcommands.Add(Compact(globals, io));
        return topics;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The topic's name." };

    private static Command Create(GlobalOptions globals, CliIO io)
    {
        var name = NameArgument();
        var partitions = new Option<int>("--partitions", "-p") { Description = "Partition count (1-10000).", DefaultValueFactory = _ => 1 };
        var config = new Option<string[]>("--config", "-c") { Description = "A config override, key=value; repeatable." };
        var command = new Command("create", "Create a topic.") { name, partitions, config };
        command.SetAction(async (parse, ct) =>
        {
            var overrides = KeyValueArgs.Parse(parse.GetValue(config), "--config").ToDictionary(p => p.Key, p => p.Value);
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var description = await connection.Admin.CreateTopicAsync(parse.GetValue(name)!, parse.GetValue(partitions), overrides, ct).ConfigureAwait(false);
            await io.Out.WriteLineAsync($"Created topic {description.Name} with {Plural.Of(description.PartitionCount, "partition")}.").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command List(GlobalOptions globals, CliIO io)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON array of names ([] when there are none)." };
        var command = new Command("list", "List topics, one per line (\"No topics.\" on stderr when there are none).") { json };
        command.SetAction(async (parse, ct) =>
        {
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var topics = await connection.Admin.ListTopicsAsync(ct).ConfigureAwait(false);
            await ListOutput.WriteAsync(io, topics, parse.GetValue(json), "No topics.").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Describe(GlobalOptions globals, CliIO io)
    {
        var name = NameArgument();
        var json = new Option<bool>("--json") { Description = "Print one JSON object: name, partition_count, created, config, partitions (partition, owner, log_start, high_watermark, last_stable)." };
        var command = new Command("describe", "Show a topic's partitions, offsets and config.") { name, json };
        command.SetAction(async (parse, ct) =>
        {
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var topic = parse.GetValue(name)!;
            var description = await connection.Admin.DescribeTopicAsync(topic, ct).ConfigureAwait(false);
            var offsets = await connection.Admin.GetTopicOffsetsAsync(topic, ct).ConfigureAwait(false);
            var owners = await Task.WhenAll(Enumerable.Range(0, offsets.Count)
                .Select(p => connection.GetPartitionOwnerAsync(new TopicPartition(topic, p), ct))).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await io.Out.WriteLineAsync(ToJson(description, offsets, owners)).ConfigureAwait(false);
                return 0;
            }

            var config = string.Join(",", description.Config.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
            if (io.IsOutputTerminal)
            {
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(io.Out) });
                console.MarkupLine($"[bold]{Markup.Escape(description.Name)}[/]  partitions: {description.PartitionCount}  created: {description.CreatedAt:O}");
                console.MarkupLine($"config: {Markup.Escape(config)}");
                var table = new Table().AddColumns("partition", "owner", "log start", "high watermark", "last stable");
                for (var p = 0; p < offsets.Count; p++)
                {
                    table.AddRow(Str(p), Markup.Escape(owners[p] ?? "-"), Str(offsets[p].LogStartOffset), Str(offsets[p].HighWatermark), Str(offsets[p].LastStableOffset));
                }

                console.Write(table);
            }
            else
            {
                await io.Out.WriteLineAsync($"Topic: {description.Name}\tPartitions: {description.PartitionCount}\tCreated: {description.CreatedAt:O}").ConfigureAwait(false);
                await io.Out.WriteLineAsync($"Config: {config}").ConfigureAwait(false);
                for (var p = 0; p < offsets.Count; p++)
                {
                    await io.Out.WriteLineAsync(
                        $"Partition: {Str(p)}\tOwner: {owners[p] ?? "-"}\tLogStart: {Str(offsets[p].LogStartOffset)}\tHighWatermark: {Str(offsets[p].HighWatermark)}\tLastStable: {Str(offsets[p].LastStableOffset)}")
                        .ConfigureAwait(false);
                }
            }

            return 0;
        });
        return command;
    }

    private static Command Alter(GlobalOptions globals, CliIO io)
    {
        var name = NameArgument();
        var config = new Option<string[]>("--config", "-c") { Description = "Set an override, key=value; repeatable." };
        var remove = new Option<string[]>("--delete-config") { Description = "Remove an override (back to the default); repeatable." };
        var partitions = new Option<int?>("--partitions", "-p") { Description = "Grow the topic to this many partitions (as kafka-topics --alter; never fewer than now)." };
        var command = new Command("alter", "Change a topic's config overrides or grow its partition count.") { name, config, remove, partitions };
        command.SetAction(async (parse, ct) =>
        {
            var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (k, v) in KeyValueArgs.Parse(parse.GetValue(config), "--config"))
            {
                changes[k] = v;
            }

            foreach (var k in parse.GetValue(remove) ?? [])
            {
                changes[k] = null;
            }

            var total = parse.GetValue(partitions);
            if (changes.Count == 0 && total is null)
            {
                throw new CliException("topics alter needs at least one --config key=value, --delete-config key or --partitions count.");
            }

            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            if (total is { } count)
            {
                var grown = await connection.Admin.AddPartitionsAsync(parse.GetValue(name)!, count, ct).ConfigureAwait(false);
                await io.Out.WriteLineAsync($"Topic {grown.Name} now has {grown.PartitionCount} partitions.").ConfigureAwait(false);
            }

            if (changes.Count > 0)
            {
                var description = await connection.Admin.AlterTopicConfigAsync(parse.GetValue(name)!, changes, ct).ConfigureAwait(false);
                await io.Out.WriteLineAsync($"Altered topic {description.Name}: "
                    + string.Join(",", description.Config.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Delete(GlobalOptions globals, CliIO io)
    {
        var name = NameArgument();
        var command = new Command("delete", "Delete a topic and its records.") { name };
        command.SetAction(async (parse, ct) =>
        {
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            await connection.Admin.DeleteTopicAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            await io.Out.WriteLineAsync($"Deleted topic {parse.GetValue(name)}.").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command AddPartitions(GlobalOptions globals, CliIO io)
    {
        var name = NameArgument();
        // --partitions as in create; --total is the spelling this command had first.
        var total = new Option<int>("--partitions", "-p", "--total") { Description = "The new partition count, as in create (never fewer than now).", Required = true };
        var command = new Command("add-partitions", "Grow a topic's partition count.") { name, total };
        command.SetAction(async (parse, ct) =>
        {
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var description = await connection.Admin.AddPartitionsAsync(parse.GetValue(name)!, parse.GetValue(total), ct).ConfigureAwait(false);
            await io.Out.WriteLineAsync($"Topic {description.Name} now has {Plural.Of(description.PartitionCount, "partition")}.").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command DeleteRecords(GlobalOptions globals, CliIO io)
    {
        var name = NameArgument();
        var partition = new Option<int>("--partition") { Description = "The partition.", Required = true };
        var offset = new Option<long>("--offset") { Description = "Delete the records below this offset; -1 for all (up to the high watermark).", Required = true };
        var command = new Command("delete-records", "Delete a partition's records below an offset (Kafka's delete-records).") { name, partition, offset };
        command.SetAction(async (parse, ct) =>
        {
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var topic = parse.GetValue(name)!;
            var start = await connection.Admin.DeleteRecordsAsync(new TopicPartition(topic, parse.GetValue(partition)), parse.GetValue(offset), ct).ConfigureAwait(false);
            await io.Out.WriteLineAsync($"Partition {Str(parse.GetValue(partition))} of {topic} now starts at offset {Str(start)}.").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Compact(GlobalOptions globals, CliIO io)
    {
        var name = NameArgument();
        var command = new Command("compact", "Run a compaction pass now on every partition of a topic whose cleanup.policy includes compact.") { name };
        command.SetAction(async (parse, ct) =>
        {
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var topic = parse.GetValue(name)!;
            var results = await connection.Admin.CompactTopicAsync(topic, ct).ConfigureAwait(false);
            for (var p = 0; p < results.Count; p++)
            {
                var r = results[p];
                await io.Out.WriteLineAsync(r.SegmentsCleaned == 0
                    ? $"Partition {Str(p)} of {topic}: nothing to compact."
                    : $"Partition {Str(p)} of {topic}: compacted {Plural.Of(r.SegmentsCleaned, "segment")}, {Str(r.BytesRead)} -> {Str(r.BytesWritten)} bytes, {Str(r.RecordsRead)} -> {Str(r.RecordsKept)} records.").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static string ToJson(TopicDescription description, IReadOnlyList<WatermarkOffsets> offsets, string?[] owners) => JsonText.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("name", description.Name);
        writer.WriteNumber("partition_count", description.PartitionCount);
        writer.WriteString("created", description.CreatedAt);
        writer.WriteStartObject("config");
        foreach (var (key, value) in description.Config.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("partitions");
        for (var p = 0; p < offsets.Count; p++)
        {
            writer.WriteStartObject();
            writer.WriteNumber("partition", p);
            JsonText.WriteStringOrNull(writer, "owner", owners[p]);

            writer.WriteNumber("log_start", offsets[p].LogStartOffset);
            writer.WriteNumber("high_watermark", offsets[p].HighWatermark);
            writer.WriteNumber("last_stable", offsets[p].LastStableOffset);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);
}
