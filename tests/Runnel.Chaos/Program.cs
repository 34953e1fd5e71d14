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
    return await ChaosRunner.RunAsync(args, Console.Out, cancel.Token);
}
finally
{
    ChildProcesses.KillAll();
}
