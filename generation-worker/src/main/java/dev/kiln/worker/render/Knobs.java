package dev.kiln.worker.render;
final class Knobs { static double get(String k, double d) { String v = System.getProperty("knob." + k); return v == null ? d : Double.parseDouble(v); } }
