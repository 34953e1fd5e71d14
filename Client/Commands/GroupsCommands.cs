using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Runnel.Client;
using Spectre.Console;

namespace Runnel.Cli.Commands;

/// <summary><c>groups list|describe|delete|reset-offsets</c>.</summary>
internal static class GroupsCommands
{
    public static Command Build(GlobalOptions globals, CliIO io)
    {
        var groups = new Command("groups", "List, describe and delete consumer groups, and reset their offsets.");
        groups.Subcommands.Add(List(globals, io));
        groups.Subcommands.Add(Describe(globals, io));
        groups.Subcommands.Add(Delete(globals, io));
        groups.Subcommands.Add(ResetOffsets(globals, io));
        return groups;
    }

    private static Argument<string> GroupArgument() => new("group") { Description = "The consumer group's id." };

    private static Command List(GlobalOptions globals, CliIO io)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON array of group ids ([] when there are none)." };
        var command = new Command("list", "List consumer groups, one per line (\"No groups.\" on stderr when there are none).") { json };
        command.SetAction(async (parse, ct) =>
        {
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var groups = await connection.Admin.ListGroupsAsync(ct).ConfigureAwait(false);
            await ListOutput.WriteAsync(io, groups, parse.GetValue(json), "No groups.").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Describe(GlobalOptions globals, CliIO io)
    {
        var group = GroupArgument();
        var json = new Option<bool>("--json") { Description = "Print one JSON object: state, members, partitions (topic, partition, committed, log_end, lag, member) and total_lag." };
        var command = new Command("describe", "Show a group's state, members, and per partition the committed offset, log end and lag.") { group, json };
        command.SetAction(async (parse, ct) =>
        {
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var description = await connection.Admin.DescribeGroupAsync(parse.GetValue(group)!, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await io.Out.WriteLineAsync(ToJson(description)).ConfigureAwait(false);
                return 0;
            }

            var header = $"Group: {description.GroupId}\tState: {description.State}\tEpoch: {Str(description.GroupEpoch)}\tAssignor: {description.Assignor}\tMembers: {Str(description.Members.Count)}";
            var members = description.Members.Select(m => $"Member: {m.MemberId}\tClient: {m.ClientId}\tInstance: {m.InstanceId ?? "-"}\tEpoch: {Str(m.MemberEpoch)}\tAssigned: {Str(m.Assigned.Count)}");
            if (io.IsOutputTerminal)
            {
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(io.Out) });
                console.MarkupLine(Markup.Escape(header));
                foreach (var m in members)
                {
                    console.MarkupLine(Markup.Escape(m));
                }

                var table = new Table().AddColumns("TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER", "LAST-STABLE-OFFSET", "LAG-READ-COMMITTED");
                foreach (var p in description.Partitions)
                {
                    table.AddRow(Markup.Escape(p.Topic), Str(p.Partition), Opt(p.CommittedOffset), Str(p.LogEndOffset), Opt(p.Lag), Markup.Escape(p.MemberId ?? "-"), Str(p.LastStableOffset), Opt(p.ReadCommittedLag));
                }

                console.Write(table);
                console.MarkupLine($"Total lag: {Str(description.TotalLag)} to the log end (read_uncommitted), {Str(ReadCommittedTotal(description))} to the last stable offset (read_committed, the default)");
            }
            else
            {
                await io.Out.WriteLineAsync(header).ConfigureAwait(false);
                foreach (var m in members)
                {
                    await io.Out.WriteLineAsync(m).ConfigureAwait(false);
                }

                await io.Out.WriteLineAsync("TOPIC\tPARTITION\tCURRENT-OFFSET\tLOG-END-OFFSET\tLAG\tMEMBER\tLAST-STABLE-OFFSET\tLAG-READ-COMMITTED").ConfigureAwait(false);
                foreach (var p in description.Partitions)
                {
                    await io.Out.WriteLineAsync($"{p.Topic}\t{Str(p.Partition)}\t{Opt(p.CommittedOffset)}\t{Str(p.LogEndOffset)}\t{Opt(p.Lag)}\t{p.MemberId ?? "-"}\t{Str(p.LastStableOffset)}\t{Opt(p.ReadCommittedLag)}").ConfigureAwait(false);
                }

                await io.Out.WriteLineAsync($"Total lag: {Str(description.TotalLag)} to the log end (read_uncommitted), {Str(ReadCommittedTotal(description))} to the last stable offset (read_committed, the default)").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Delete(GlobalOptions globals, CliIO io)
    {
        var group = GroupArgument();
        var command = new Command("delete", "Delete a group with no active members, with its committed offsets.") { group };
        command.SetAction(async (parse, ct) =>
        {
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            await connection.Admin.DeleteGroupAsync(parse.GetValue(group)!, ct).ConfigureAwait(false);
            await io.Out.WriteLineAsync($"Deleted group {parse.GetValue(group)}.").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command ResetOffsets(GlobalOptions globals, CliIO io)
    {
        var group = GroupArgument();
        var topic = new Option<string>("--topic", "-t") { Description = "The topic whose partitions are reset.", Required = true };
        var partition = new Option<int[]>("--partition", "-p") { Description = "Reset only this partition; repeatable (default: all)." };
        var earliest = new Option<bool>("--to-earliest") { Description = "To each partition's log start." };
        var latest = new Option<bool>("--to-latest") { Description = "To each partition's log end (skip everything)." };
        var datetime = new Option<string?>("--to-datetime") { Description = "To the first record at or after T (ISO-8601 or Unix ms)." };
        var offset = new Option<long?>("--to-offset") { Description = "To offset N (clamped to the log)." };
        var shift = new Option<long?>("--shift-by") { Description = "Move the committed offsets by N (negative: back), clamped to the log." };
        var json = new Option<bool>("--json") { Description = "Print one JSON array of the new offsets: topic, partition, offset." };
        var command = new Command("reset-offsets", "Set a group's committed offsets for a topic (the group must have no active members). Choose exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset, --shift-by.")
        {
            group, topic, partition, earliest, latest, datetime, offset, shift, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var specs = new List<OffsetResetSpec>();
            if (parse.GetValue(earliest))
            {
                specs.Add(OffsetResetSpec.ToEarliest());
            }

            if (parse.GetValue(latest))
            {
                specs.Add(OffsetResetSpec.ToLatest());
            }

            if (parse.GetValue(datetime) is { } t)
            {
                specs.Add(OffsetResetSpec.ToDateTime(TimestampArg.Parse(t)));
            }

            if (parse.GetValue(offset) is { } o)
            {
                specs.Add(o >= 0 ? OffsetResetSpec.ToOffset(o) : throw new CliException($"--to-offset must not be negative (was {o})."));
            }

            if (parse.GetValue(shift) is { } s)
            {
                specs.Add(OffsetResetSpec.ShiftBy(s));
            }

            if (specs.Count != 1)
            {
                throw new CliException($"groups reset-offsets needs exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset, --shift-by (got {specs.Count}).");
            }

            var only = parse.GetValue(partition) is { Length: > 0 } ps ? ps : null;
            await using var connection = await globals.ConnectAsync(parse, ct).ConfigureAwait(false);
            var name = parse.GetValue(group)!;
            var result = await connection.Admin.ResetOffsetsAsync(name, parse.GetValue(topic)!, specs[0], only, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await io.Out.WriteLineAsync(JsonText.Write(writer =>
                {
                    writer.WriteStartArray();
                    foreach (var r in result)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("topic", r.Topic);
                        writer.WriteNumber("partition", r.Partition);
                        writer.WriteNumber("offset", r.Offset);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                })).ConfigureAwait(false);
            }
            else
            {
                await io.Out.WriteLineAsync("TOPIC\tPARTITION\tNEW-OFFSET").ConfigureAwait(false);
                foreach (var r in result)
                {
                    await io.Out.WriteLineAsync($"{r.Topic}\t{Str(r.Partition)}\t{Str(r.Offset)}").ConfigureAwait(false);
                }
            }

            await io.Error.WriteLineAsync($"Reset {Plural.Of(result.Count, "partition")} of group {name} ({specs[0]}).").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    internal static string ToJson(ConsumerGroupDescription description)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("group", description.GroupId);
            writer.WriteString("state", description.State.ToString());
            writer.WriteNumber("epoch", description.GroupEpoch);
            writer.WriteString("assignor", description.Assignor.ToString());
            writer.WriteStartArray("members");
            foreach (var m in description.Members)
            {
                writer.WriteStartObject();
                writer.WriteString("member_id", m.MemberId);
                writer.WriteString("client_id", m.ClientId);
                JsonText.WriteStringOrNull(writer, "instance_id", m.InstanceId);
                writer.WriteNumber("epoch", m.MemberEpoch);
                JsonText.WriteTopicPartitions(writer, "assigned", m.Assigned);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("partitions");
            foreach (var p in description.Partitions)
            {
                writer.WriteStartObject();
                writer.WriteString("topic", p.Topic);
                writer.WriteNumber("partition", p.Partition);
                WriteOptional(writer, "committed", p.CommittedOffset);
                writer.WriteNumber("log_end", p.LogEndOffset);
                WriteOptional(writer, "lag", p.Lag);
                writer.WriteNumber("last_stable", p.LastStableOffset);
                WriteOptional(writer, "lag_read_committed", p.ReadCommittedLag);
                if (p.MemberId is null)
                {
                    writer.WriteNull("member");
                }
                else
                {
                    writer.WriteString("member", p.MemberId);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("total_lag", description.TotalLag);
            writer.WriteNumber("total_lag_read_committed", ReadCommittedTotal(description));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Opt(long? value) => value is { } v ? Str(v) : "-";

    private static long ReadCommittedTotal(ConsumerGroupDescription description) => description.Partitions.Sum(p => p.ReadCommittedLag ?? 0);
}
