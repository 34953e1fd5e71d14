using Runnel.TestWorker;

// Runnel's test worker: one subcommand per kind of child process a test needs. Protocol lines go to stdout
// (Console.Out flushes every line), diagnostics to stderr; exit code 0 on success, 2 on bad usage.
return args switch
{
    ["storage-crash", var dataDirectory, var seed] => await StorageCrashCommand.RunAsync(dataDirectory, int.Parse(seed, System.Globalization.CultureInfo.InvariantCulture)),
    ["storage-increment", var dataDirectory, var blob, var count] => await StorageIncrementCommand.RunAsync(dataDirectory, blob, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture)),
    ["log-crash", var dataDirectory, var seed] => await LogCrashWorker.RunAsync(dataDirectory, int.Parse(seed, System.Globalization.CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Runnel.TestWorker storage-crash <dataDir> <seed>");
    Console.Error.WriteLine("       Runnel.TestWorker storage-increment <dataDir> <blob> <count>");
    Console.Error.WriteLine("       Runnel.TestWorker log-crash <dataDir> <seed>");
    return 2;
}
