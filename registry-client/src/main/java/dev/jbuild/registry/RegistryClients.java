package dev.jbuild.registry;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link RegistryClient} per registry, so connections, challenges and tokens are shared. */
public final class RegistryClients {
    private final RegistryOptions options;
    private final Map<String, RegistryClient> clients = new ConcurrentHashMap<>();

    public RegistryClients(RegistryOptions options) {
        this.options = options;
    }

    public RegistryOptions options() {
        return options;
    }

    public RegistryClient forRegistry(String registry) throws IOException {
        RegistryClient c = clients.get(registry);
        if (c == null) {
            synchronized (clients) {
                c = clients.get(registry);
                if (c == null) {
                    c = RegistryClient.open(registry, options);
                    clients.put(registry, c);
                }
            }
        }
        return c;
    }
}
