using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Runnel.Cli;

/// <summary>
/// A live "N records, R/s" line on stderr while a long produce or consume runs, only when stderr is a terminal
/// (Spectre.Console); otherwise nothing. Redrawn at most every 250 ms by <see cref="Tick"/>.
/// </summary>
internal sealed class ProgressReporter : IDisposable
{
    private readonly IAnsiConsole? _console;
    private readonly string _verb;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw;

    public ProgressReporter(CliIO io, string verb)
    {
        _verb = verb;
        if (io.IsErrorTerminal)
        {
            _console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(io.Error) });
        }
    }

    public void Tick(long count)
    {
        if (_console is null || _clock.ElapsedMilliseconds - _lastDraw < 250)
        {
            return;
        }

        _lastDraw = _clock.ElapsedMilliseconds;
        var rate = count / Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        _console.Markup(string.Create(CultureInfo.InvariantCulture, $"\r[grey]{_verb} {count:N0} records ({rate:N0}/s)[/]   "));
    }

    public void Dispose()
    {
        _console?.Markup("\r" + new string(' ', 60) + "\r");
    }
}
