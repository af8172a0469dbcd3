package dev.kembed.testing;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Connections that send a request one byte every two seconds: half stall in the body (a
 * Content-Length promised, then a trickle), half in the headers. What a slowloris attack, or a
 * crowd of clients on a bad network, looks like to a server.
 */
public final class SlowClients implements AutoCloseable {
    private final List<Socket> sockets = new ArrayList<>();
    private final Thread trickle;

    public SlowClients(int port, int count) throws IOException {
        this(port, count, null);
    }

    /** With {@code key} (or null), so that the body stalls past the key check. */
    public SlowClients(int port, int count, String key) throws IOException {
        String auth = key == null ? "" : "Authorization: Bearer " + key + "\r\n";
        for (int i = 0; i < count; i++) {
            Socket s = new Socket("localhost", port);
            String start = i % 2 == 0 ? "POST /embed HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
                    : "POST /embed HTTP/1.1\r\nHost: x\r\nX-Slow: ";
            s.getOutputStream().write(start.getBytes(StandardCharsets.US_ASCII));
            sockets.add(s);
        }
        trickle = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                for (int i = 0; i < sockets.size(); i++) {
                    try {
                        sockets.get(i).getOutputStream().write(i % 2 == 0 ? 'a' : 'x');
                    } catch (IOException e) {
                        // a connection the server closed: counted by stillOpen()
                    }
                }
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "slow-clients");
        trickle.setDaemon(true);
        trickle.start();
    }

    /** How many the server still holds open: a read times out (no answer, no end of stream). */
    public int stillOpen() {
        int open = 0;
        for (Socket s : sockets) {
            try {
                s.setSoTimeout(5);
                s.getInputStream().read(); // an answer or the end of the stream: the server let go of it
            } catch (SocketTimeoutException e) {
                open++;
            } catch (IOException e) {
                // reset: closed
            }
        }
        return open;
    }

    @Override
    public void close() throws IOException {
        trickle.interrupt();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
