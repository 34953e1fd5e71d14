using System.Runtime.InteropServices;
using Runnel.Chaos;
using Runnel.Chaos.Cluster;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancel.Cancel();
});
AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildProcesses.KillAll();
try
{
    return args.Length > 0 && args[0] == Runnel.Chaos.Eos.EosJob.Command
        ? await Runnel.Chaos.Eos.EosJob.RunAsync(args[1..], Console.Out, cancel.Token)
        : await ChaosRunner.RunAsync(args, Console.Out, cancel.Token);
}
finally
{
    ChildProcesses.KillAll();
}
