using Runnel.Silo;

return await SiloHost.RunAsync(args, Console.Out, Console.Error);
