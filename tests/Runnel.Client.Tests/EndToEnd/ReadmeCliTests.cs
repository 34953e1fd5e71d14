using System.Text;
using Runnel.Client.Tests.Infrastructure;
using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>The README's CLI quick start, command by command, run through the CLI's entry point against a real
/// runnel-silo: every command must succeed and end by itself.</summary>
public sealed class ReadmeCliTests(SiloProcessFixture silo) : IClassFixture<SiloProcessFixture>
{
    [Fact]
    public async Task ReadmeQuickStart_EveryCommand_SucceedsAndEndsByItself()
    {
        var commands = QuickStartCommands();
        commands.Should().HaveCountGreaterThan(8).And.Contain(c => c.Args[0] == "consume" && c.Args.Contains("--group"));

        foreach (var (stdin, args, line) in commands)
        {
            // CliRunner fails a command that runs for more than 30 s: a quick start command must end by itself.
            var (code, _, err) = await CliRunner.RunBytesAsync(silo.Bootstrap, stdin, args);
            code.Should().Be(0, $"README: {line}\n{err}");
        }
    }

    [Fact]
    public async Task DeleteRecords_BeyondTheEnd_ErrorNamesTopicAndPartitionNotStoragePaths()
    {
        await CliRunner.RunAsync(silo.Bootstrap, "", "topics", "create", "trim");
        await CliRunner.RunAsync(silo.Bootstrap, "a\nb\n", "produce", "trim");

        var result = await CliRunner.RunAsync(silo.Bootstrap, "", "topics", "delete-records", "trim", "--partition", "0", "--offset", "1000");

        result.Code.Should().Be(1);
        result.Err.Should().Contain("OffsetOutOfRange").And.Contain("trim[0]").And.Contain("[0, 2]").And.NotContain("topics/");
    }

    /// <summary>The <c>runnel ...</c> lines of the first bash block under "## Quick start" that runs the CLI, with the
    /// stdin a <c>printf '...' |</c> in front gives them.</summary>
    private static List<(byte[] Stdin, string[] Args, string Line)> QuickStartCommands()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var section = readme[readme.IndexOf("## Quick start", StringComparison.Ordinal)..];
        var commands = new List<(byte[], string[], string)>();
        foreach (var block in section.Split("```bash\n").Skip(1).Select(b => b[..b.IndexOf("```", StringComparison.Ordinal)]))
        {
            foreach (var line in block.Split('\n'))
            {
                var words = ShellWords(line);
                var pipe = words.IndexOf("|");
                var stdin = pipe > 0 && words[0] == "printf" ? Printf(words[1]) : [];
                var command = pipe > 0 ? words[(pipe + 1)..] : words;
                if (command is ["runnel", ..])
                {
                    commands.Add((stdin, [.. command.Skip(1)], line));
                }
            }

            if (commands.Count > 0)
            {
                return commands;
            }
        }

        return commands;
    }

    /// <summary>Splits a line as a POSIX shell would for these commands: whitespace, '...' and "..." quotes, '#' comments.</summary>
    private static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c is '\'' or '"')
            {
                var end = line.IndexOf(c, i + 1);
                word.Append(line, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == '#' && !inWord)
            {
                break;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>What <c>printf FORMAT</c> writes for a format of plain text with <c>\n</c>, <c>\0</c> and <c>\xHH</c>.</summary>
    private static byte[] Printf(string format)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '\\')
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(format[i].ToString()));
                continue;
            }

            var next = format[++i];
            if (next == 'x')
            {
                bytes.Add(Convert.FromHexString(format.AsSpan(i + 1, 2))[0]);
                i += 2;
            }
            else
            {
                bytes.Add(next switch { 'n' => (byte)'\n', '0' => 0, 't' => (byte)'\t', _ => (byte)next });
            }
        }

        return [.. bytes];
    }
}
