<?php
/**
 * The button's script: the widget's flat browser bundle, shipped inside the plugin (assets/), never
 * from an outside CDN, as WordPress.org requires. It is an ES module and lazily imports the Mesh SDK
 * chunk next to it, so it must be printed with type="module". WordPress 6.5+ has a script-module
 * API for that; 6.1–6.4 get a classic registration whose tag we rewrite.
 *
 * @package MeshPay
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const MESH_PAY_SCRIPT_HANDLE = 'mesh-pay-button';

/** The bundle's URL inside this plugin. */
function mesh_pay_button_script_url() {
	return plugins_url( 'assets/mesh-pay-button.js', MESH_PAY_PLUGIN_FILE );
}

function mesh_pay_register_button_script() {
	if ( function_exists( 'wp_register_script_module' ) ) {
		wp_register_script_module( '@mesh-pay/button', mesh_pay_button_script_url(), array(), MESH_PAY_VERSION );
		return;
	}
	wp_register_script( MESH_PAY_SCRIPT_HANDLE, mesh_pay_button_script_url(), array(), MESH_PAY_VERSION, true );
	add_filter( 'script_loader_tag', 'mesh_pay_module_script_tag', 10, 3 );
}

/** Asked for by each rendered button; WordPress prints the script once, in the footer. */
function mesh_pay_enqueue_button_script() {
	if ( function_exists( 'wp_enqueue_script_module' ) ) {
		wp_enqueue_script_module( '@mesh-pay/button' );
		return;
	}
	wp_enqueue_script( MESH_PAY_SCRIPT_HANDLE );
}

/**
 * Before 6.5: the classic tag becomes a module tag (a classic script cannot run the bundle's
 * `import`). Built from scratch rather than edited, so no other filter's attributes survive into it.
 *
 * @param string $tag    The tag WordPress built.
 * @param string $handle Script handle.
 * @param string $src    Script URL (with ?ver=).
 * @return string
 */
function mesh_pay_module_script_tag( $tag, $handle, $src ) {
	if ( MESH_PAY_SCRIPT_HANDLE !== $handle ) {
		return $tag;
	}
	return sprintf( '<script type="module" src="%s" id="%s-js"></script>' . "\n", esc_url( $src ), esc_attr( $handle ) );
}
